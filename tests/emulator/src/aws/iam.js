'use strict';
// AWS identity state: long-term IAM users (access keys), temporary credentials this
// emulator issued (STS, IMDS, container), role constraints and accepted web identity tokens.

const crypto = require('node:crypto');
const { randomString, ALNUM_UPPER, HttpError, isPlainObject } = require('../util');

const DEFAULT_USER = Object.freeze({
  access_key_id: 'AKIDEXAMPLE',
  secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  account_id: '123456789012',
  user_name: 'llmauth-test-user',
});
const DEFAULT_WEB_IDENTITY_TOKEN = 'web-identity-token-for-tests';
// Role max session duration for roles that were not registered (permissive) and for
// registered roles that do not say (AWS's default MaxSessionDuration).
const UNREGISTERED_ROLE_MAX_DURATION = 43200;
const REGISTERED_ROLE_DEFAULT_MAX_DURATION = 3600;

const ROLE_ARN_RE = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/((?:[\x21-\x2e\x30-\x7e]+\/)*)([\w+=,.@-]{1,64})$/;
const ACCOUNT_RE = /^\d{12}$/;
const KEY_ID_RE = /^[A-Z0-9]{4,128}$/; // AKIDEXAMPLE (the SigV4 suite key) is shorter than real ones

/** Deterministic IAM-style unique id (prefix + 17 upper alnum) derived from a string. */
function uniqueId(prefix, seed) {
  const digest = crypto.createHash('sha256').update(seed).digest();
  let out = prefix;
  for (let i = 0; out.length < prefix.length + 17; i++) out += ALNUM_UPPER[digest[i] % 36];
  return out;
}

/** Splits a role ARN; returns null when it is not `arn:<partition>:iam::<12 digits>:role/[path/]name`. */
function parseRoleArn(arn) {
  if (typeof arn !== 'string' || arn.length < 20 || arn.length > 2048) return null;
  const m = ROLE_ARN_RE.exec(arn);
  if (!m) return null;
  return { partition: m[1], accountId: m[2], path: '/' + m[3], roleName: m[4] };
}

class IamState {
  constructor() {
    this.reset();
  }

  reset() {
    /** access key id → { accessKeyId, secretAccessKey, accountId, arn, userId, kind:'user' } */
    this.users = new Map();
    /** access key id → { ..., sessionToken, expiration(ms), kind:'temporary', source } */
    this.temporary = new Map();
    /** role ARN → { roleArn, externalId|null, maxDurationSeconds } */
    this.roles = new Map();
    /** token → { subject, audience, provider } */
    this.webIdentityTokens = new Map();
    this.addUser(DEFAULT_USER);
    this.addWebIdentityToken({ token: DEFAULT_WEB_IDENTITY_TOKEN });
  }

  addUser(spec) {
    if (!isPlainObject(spec)) throw new HttpError(400, 'body must be a JSON object');
    const { access_key_id: akid, secret_access_key: secret } = spec;
    const accountId = spec.account_id ?? DEFAULT_USER.account_id;
    if (typeof akid !== 'string' || !KEY_ID_RE.test(akid)) {
      throw new HttpError(400, 'access_key_id must be 4-128 upper-case letters/digits');
    }
    if (typeof secret !== 'string' || secret.length === 0) {
      throw new HttpError(400, 'secret_access_key must be a non-empty string');
    }
    if (typeof accountId !== 'string' || !ACCOUNT_RE.test(accountId)) {
      throw new HttpError(400, 'account_id must be 12 digits');
    }
    const userName = spec.user_name ?? `user-${akid.toLowerCase()}`;
    if (typeof userName !== 'string' || !/^[\w+=,.@-]{1,64}$/.test(userName)) {
      throw new HttpError(400, 'user_name must match [\\w+=,.@-]{1,64}');
    }
    const user = {
      kind: 'user',
      accessKeyId: akid,
      secretAccessKey: secret,
      accountId,
      userName,
      arn: `arn:aws:iam::${accountId}:user/${userName}`,
      userId: uniqueId('AIDA', `${accountId}:${userName}`),
    };
    this.users.set(akid, user);
    this.temporary.delete(akid);
    return { access_key_id: akid, account_id: accountId, arn: user.arn, user_id: user.userId };
  }

  addRole(spec) {
    if (!isPlainObject(spec)) throw new HttpError(400, 'body must be a JSON object');
    const parsed = parseRoleArn(spec.role_arn);
    if (!parsed) throw new HttpError(400, 'role_arn must look like arn:aws:iam::123456789012:role/NAME');
    const externalId = spec.external_id ?? null;
    if (externalId !== null && (typeof externalId !== 'string' || externalId.length < 2)) {
      throw new HttpError(400, 'external_id must be a string of at least 2 characters or null');
    }
    const max = spec.max_duration_seconds ?? REGISTERED_ROLE_DEFAULT_MAX_DURATION;
    if (!Number.isInteger(max) || max < 900 || max > 43200) {
      throw new HttpError(400, 'max_duration_seconds must be an integer in 900..43200');
    }
    const role = { roleArn: spec.role_arn, externalId, maxDurationSeconds: max };
    this.roles.set(spec.role_arn, role);
    return { role_arn: role.roleArn, external_id: externalId, max_duration_seconds: max };
  }

  /** Constraints of a role: registered ones, else permissive defaults. */
  roleConstraints(roleArn) {
    return (
      this.roles.get(roleArn) ?? {
        roleArn,
        externalId: null,
        maxDurationSeconds: UNREGISTERED_ROLE_MAX_DURATION,
        unregistered: true,
      }
    );
  }

  addWebIdentityToken(spec) {
    if (!isPlainObject(spec)) throw new HttpError(400, 'body must be a JSON object');
    if (typeof spec.token !== 'string' || spec.token.length < 4 || spec.token.length > 20000) {
      throw new HttpError(400, 'token must be a string of 4..20000 characters');
    }
    const claims = jwtClaims(spec.token);
    const info = {
      subject: spec.subject ?? claims?.sub ?? 'system:serviceaccount:default:llmauth-test',
      audience: spec.audience ?? firstAud(claims?.aud) ?? 'sts.amazonaws.com',
      provider: spec.provider ?? providerFromIss(claims?.iss) ?? 'oidc.emulator.test',
    };
    this.webIdentityTokens.set(spec.token, info);
    return { accepted: true, subject: info.subject, audience: info.audience, provider: info.provider };
  }

  webIdentityToken(token) {
    return this.webIdentityTokens.get(token) ?? null;
  }

  /**
   * Issues temporary credentials and registers them so that they can sign later requests.
   * @param {object} p { accountId, arn, userId, roleArn, lifetimeSeconds, source, nowMs }
   */
  issueTemporary(p) {
    const accessKeyId = 'ASIA' + randomString(16, ALNUM_UPPER);
    const secretAccessKey = randomString(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
    // Real session tokens are long base64 blobs with '+', '/' and '='; so are ours.
    const sessionToken = 'IQoJb3JpZ2luX2VtdWxhdG9y' + crypto.randomBytes(240).toString('base64');
    const creds = {
      kind: 'temporary',
      source: p.source,
      accessKeyId,
      secretAccessKey,
      sessionToken,
      expiration: p.nowMs + p.lifetimeSeconds * 1000,
      accountId: p.accountId,
      arn: p.arn,
      userId: p.userId,
      roleArn: p.roleArn ?? null,
      chained: !!p.chained,
    };
    this.temporary.set(accessKeyId, creds);
    return creds;
  }

  /** Looks up a key id among long-term users and issued temporary credentials. */
  lookup(accessKeyId) {
    return this.users.get(accessKeyId) ?? this.temporary.get(accessKeyId) ?? null;
  }
}

/** Decodes (without verifying) the claims of a JWT-shaped token; null when not a JWT. */
function jwtClaims(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return isPlainObject(claims) ? claims : null;
  } catch {
    return null;
  }
}

function firstAud(aud) {
  if (typeof aud === 'string') return aud;
  if (Array.isArray(aud) && typeof aud[0] === 'string') return aud[0];
  return null;
}

function providerFromIss(iss) {
  if (typeof iss !== 'string') return null;
  return iss.replace(/^https:\/\//, '');
}

module.exports = {
  IamState,
  parseRoleArn,
  uniqueId,
  DEFAULT_USER,
  DEFAULT_WEB_IDENTITY_TOKEN,
  UNREGISTERED_ROLE_MAX_DURATION,
  REGISTERED_ROLE_DEFAULT_MAX_DURATION,
};
