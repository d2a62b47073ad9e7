'use strict';
// IAM Identity Center (SSO) state: the sessions that tests mint through the control API (what
// `aws sso login` would leave in ~/.aws/sso/cache), the OIDC clients registered for them, and the
// access and refresh tokens issued. The portal (sso.js) checks access tokens against it; the
// OIDC endpoint (sso_oidc.js) refreshes tokens with it.

const crypto = require('node:crypto');
const { isoSeconds, HttpError, isPlainObject, randomString, safeEqual, ALNUM } = require('../util');

const ACCOUNT_RE = /^\d{12}$/;
const ROLE_NAME_RE = /^[\w+=,.@-]{1,64}$/;
const REGION_RE = /^[a-z0-9-]{1,32}$/;

const DEFAULTS = Object.freeze({
  start_url: 'https://emulator.awsapps.com/start',
  region: 'us-east-1',
  expires_in_seconds: 8 * 3600, // an access token from `aws sso login`
  refreshed_expires_in_seconds: 3600, // each token the refresh grant issues
  registration_expires_in_seconds: 90 * 24 * 3600, // the CLI's client registration
});

// Opaque tokens shaped like the real ones: access tokens start "aoa", refresh tokens "aor".
const accessToken = () => 'aoa' + crypto.randomBytes(96).toString('base64url');
const refreshToken = () => 'aor' + crypto.randomBytes(96).toString('base64url');

function seconds(body, key, min, max) {
  const v = body[key] ?? DEFAULTS[key];
  if (!Number.isInteger(v) || v < min || v > max) throw new HttpError(400, `${key} must be an integer in ${min}..${max}`);
  return v;
}

class SsoState {
  constructor() {
    /** session id → { id, startUrl, region, roles: [{accountId, roleName}] | null, refreshedExpiresIn } */
    this.sessions = new Map();
    /** client id → { clientId, clientSecret, registrationExpiresAt(ms), sessionId } */
    this.clients = new Map();
    /** access token → { sessionId, expiresAt(ms) } */
    this.accessTokens = new Map();
    /** refresh token → { sessionId, clientId } (spent when used) */
    this.refreshTokens = new Map();
  }

  /**
   * Mints a session (control API). Body (all optional): start_url, region, expires_in_seconds,
   * refreshed_expires_in_seconds, registration_expires_in_seconds, roles: [{account_id,
   * role_name}] (null: every account and role), refresh_token: false (a legacy login, no
   * refresh token). Returns the fields of an SSO token cache file.
   */
  mint(body, nowMs) {
    if (!isPlainObject(body)) throw new HttpError(400, 'body must be a JSON object');
    const known = new Set(['start_url', 'region', 'expires_in_seconds', 'refreshed_expires_in_seconds',
      'registration_expires_in_seconds', 'roles', 'refresh_token']);
    for (const k of Object.keys(body)) if (!known.has(k)) throw new HttpError(400, `unknown field '${k}'`);
    const startUrl = body.start_url ?? DEFAULTS.start_url;
    if (typeof startUrl !== 'string' || !/^https:\/\/\S+$/.test(startUrl)) throw new HttpError(400, 'start_url must be an https URL');
    const region = body.region ?? DEFAULTS.region;
    if (typeof region !== 'string' || !REGION_RE.test(region)) throw new HttpError(400, 'region must be a region name');
    const expiresIn = seconds(body, 'expires_in_seconds', -86400, 7 * 86400); // negative: already expired
    const refreshedExpiresIn = seconds(body, 'refreshed_expires_in_seconds', 1, 7 * 86400);
    const registrationExpiresIn = seconds(body, 'registration_expires_in_seconds', -86400, 366 * 86400);
    let roles = null;
    if (body.roles !== undefined && body.roles !== null) {
      if (!Array.isArray(body.roles)) throw new HttpError(400, 'roles must be an array or null');
      roles = body.roles.map((r) => {
        if (!isPlainObject(r) || !ACCOUNT_RE.test(r.account_id ?? '') || !ROLE_NAME_RE.test(r.role_name ?? '')) {
          throw new HttpError(400, 'each role must be {"account_id": 12 digits, "role_name": a role name}');
        }
        return { accountId: r.account_id, roleName: r.role_name };
      });
    }
    const withRefresh = body.refresh_token ?? true;
    if (typeof withRefresh !== 'boolean') throw new HttpError(400, 'refresh_token must be a boolean');

    const id = crypto.randomUUID();
    this.sessions.set(id, { id, startUrl, region, roles, refreshedExpiresIn });
    const access = accessToken();
    const expiresAt = nowMs + expiresIn * 1000;
    this.accessTokens.set(access, { sessionId: id, expiresAt });
    const out = { startUrl, region, accessToken: access, expiresAt: isoSeconds(expiresAt), expiresIn };
    if (withRefresh) {
      const clientId = randomString(22, ALNUM);
      const clientSecret = 'eyJraWQiOiJrZXktZW11bGF0b3Ii' + crypto.randomBytes(120).toString('base64url');
      const registrationExpiresAt = nowMs + registrationExpiresIn * 1000;
      this.clients.set(clientId, { clientId, clientSecret, registrationExpiresAt, sessionId: id });
      const refresh = refreshToken();
      this.refreshTokens.set(refresh, { sessionId: id, clientId });
      Object.assign(out, { refreshToken: refresh, clientId, clientSecret, registrationExpiresAt: isoSeconds(registrationExpiresAt) });
    }
    return out;
  }

  /** Revokes an access token (control API): the portal then answers 401, as after a sign-out. */
  revoke(body) {
    if (!isPlainObject(body) || typeof body.access_token !== 'string') throw new HttpError(400, 'body must be {"access_token": "…"}');
    return { revoked: this.accessTokens.delete(body.access_token) };
  }

  /** The session of a valid access token, or null. */
  sessionOf(token, nowMs) {
    const t = typeof token === 'string' ? this.accessTokens.get(token) : undefined;
    if (!t || t.expiresAt <= nowMs) return null;
    return this.sessions.get(t.sessionId) ?? null;
  }

  /**
   * The refresh_token grant. Returns {accessToken, expiresIn, refreshToken} or throws
   * {status, type, error, description} (OIDC error shapes).
   */
  refresh({ clientId, clientSecret, refreshToken: given }, nowMs) {
    const client = typeof clientId === 'string' ? this.clients.get(clientId) : undefined;
    if (!client || typeof clientSecret !== 'string' || !safeEqual(clientSecret, client.clientSecret)) {
      throw { status: 401, type: 'InvalidClientException', error: 'invalid_client', description: 'Invalid client id or secret' };
    }
    if (client.registrationExpiresAt <= nowMs) {
      throw { status: 401, type: 'InvalidClientException', error: 'invalid_client', description: 'Client registration has expired' };
    }
    const grant = typeof given === 'string' ? this.refreshTokens.get(given) : undefined;
    if (!grant || grant.clientId !== clientId) {
      throw { status: 400, type: 'InvalidGrantException', error: 'invalid_grant', description: 'Invalid refresh token provided' };
    }
    const session = this.sessions.get(grant.sessionId);
    this.refreshTokens.delete(given); // rotated: a refresh token works once
    const access = accessToken();
    this.accessTokens.set(access, { sessionId: session.id, expiresAt: nowMs + session.refreshedExpiresIn * 1000 });
    const next = refreshToken();
    this.refreshTokens.set(next, { sessionId: session.id, clientId });
    return { accessToken: access, tokenType: 'Bearer', expiresIn: session.refreshedExpiresIn, refreshToken: next };
  }
}

module.exports = { SsoState, SSO_DEFAULTS: DEFAULTS };
