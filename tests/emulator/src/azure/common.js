'use strict';
// Helpers shared by the Azure endpoint modules: Entra-style error bodies, JWT decoding,
// access-token minting (registered in the directory's token registry) and small utilities.

const crypto = require('node:crypto');
const { sendJson, randomString } = require('../util');

const B64URL_RE = /^[A-Za-z0-9_-]*$/;

function b64url(buf) {
  return Buffer.from(buf).toString('base64url');
}

function b64urlJson(obj) {
  return b64url(Buffer.from(JSON.stringify(obj), 'utf8'));
}

/**
 * Decodes a compact JWS without verifying it.
 * @returns {{header:object, claims:object, signingInput:string, signature:Buffer}|null}
 */
function decodeJwt(token) {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL_RE.test(p)) || !parts[0] || !parts[1]) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (header === null || typeof header !== 'object' || Array.isArray(header)) return null;
    if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) return null;
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return null;
  }
}

/** "2026-01-02 03:04:05Z", the format of Entra's `timestamp` field. */
function entraTimestamp(ms) {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Sends an Entra ID (AADSTS) error:
 * {"error","error_description":"AADSTSnnn: text\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …",
 *  "error_codes":[nnn],"timestamp","trace_id","correlation_id","error_uri"}
 */
function sendEntraError(ctx, emu, status, error, code, text, headers = {}) {
  const traceId = crypto.randomUUID();
  const correlationId = correlationIdOf(ctx);
  const ts = entraTimestamp(emu.now());
  const prefix = code ? `AADSTS${code}: ` : '';
  const body = {
    error,
    error_description: `${prefix}${text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${ts}`,
    error_codes: code ? [code] : [],
    timestamp: ts,
    trace_id: traceId,
    correlation_id: correlationId,
  };
  if (code) body.error_uri = `https://login.microsoftonline.com/error?code=${code}`;
  if (ctx.logEntry) {
    ctx.logEntry.azure = { ...(ctx.logEntry.azure ?? {}), error: code ? `AADSTS${code}` : error };
  }
  sendJson(ctx.res, status, body, { ...entraHeaders(ctx), ...headers });
}

/** The client's request id (query `client-request-id` or header), else a fresh one. */
function correlationIdOf(ctx) {
  const q = ctx.query['client-request-id'];
  const h = ctx.headers['client-request-id'];
  const v = (Array.isArray(q) ? q[0] : q) || h;
  return typeof v === 'string' && /^[\w-]{1,64}$/.test(v) ? v : crypto.randomUUID();
}

function entraHeaders(ctx) {
  const h = {
    'cache-control': 'no-store, no-cache',
    pragma: 'no-cache',
    'x-ms-request-id': crypto.randomUUID(),
  };
  const q = ctx.query['client-request-id'];
  const id = (Array.isArray(q) ? q[0] : q) || ctx.headers['client-request-id'];
  if (id) h['client-request-id'] = String(id);
  return h;
}

/** The https base URL that a client used to reach us (its Host header), else the emulator's. */
function httpsBase(ctx, emu) {
  const host = ctx.headers.host;
  if (typeof host === 'string' && /^(127\.0\.0\.1|localhost|\[::1\]):\d+$/i.test(host)) return `https://${host.toLowerCase()}`;
  return emu.info.https;
}

/** "https://x/.default" → "https://x" (the resource of a v2 scope). */
function resourceOfScope(scope) {
  return scope.replace(/\/\.default$/, '');
}

/**
 * Mints a JWT-shaped access token (v1 claims; random signature: its validity is the registry's
 * word, not a key's), registers it and returns {token, issuedAt, expiresAt} (epoch seconds).
 */
function mintAccessToken(emu, { tenantId, clientId, objectId, resource, scope, lifetimeSeconds, source, identity, extraClaims, authKind }) {
  const now = Math.floor(emu.now() / 1000);
  const exp = now + lifetimeSeconds;
  const oid = objectId ?? crypto.randomUUID();
  const header = { typ: 'JWT', alg: 'RS256', kid: 'llmauth-emulator' };
  const claims = {
    aud: resource,
    iss: `https://sts.windows.net/${tenantId}/`,
    iat: now,
    nbf: now,
    exp,
    appid: clientId,
    appidacr: source === 'entra' ? '1' : '2',
    idp: `https://sts.windows.net/${tenantId}/`,
    idtyp: 'app',
    oid,
    sub: oid,
    tid: tenantId,
    uti: randomString(22),
    ver: '1.0',
    ...(extraClaims ?? {}),
  };
  const token = `${b64urlJson(header)}.${b64urlJson(claims)}.${b64url(crypto.randomBytes(256))}`;
  emu.state.azure.directory.registerToken({
    token,
    source,
    tenant_id: tenantId,
    client_id: clientId,
    object_id: oid,
    identity: identity ?? clientId,
    scope: scope ?? `${resource}/.default`,
    resource,
    issued_at: now,
    expires_at: exp,
    auth_kind: authKind ?? null,
  });
  return { token, issuedAt: now, expiresAt: exp };
}

/** Waits ms (returns early when the client goes away). */
function sleep(ms, res) {
  return new Promise((resolve) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** First value of a query/form parameter (repeated parameters arrive as arrays). */
function first(v) {
  return Array.isArray(v) ? v[0] : v;
}

module.exports = {
  b64url,
  b64urlJson,
  decodeJwt,
  entraTimestamp,
  sendEntraError,
  entraHeaders,
  correlationIdOf,
  httpsBase,
  resourceOfScope,
  mintAccessToken,
  sleep,
  first,
};
