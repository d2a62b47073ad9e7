'use strict';
// Authentication of Bedrock runtime requests, two ways:
//  * SigV4 (header or presigned query), credential scope service `bedrock`, any region, checked
//    by verifySigV4 (@smithy/signature-v4) against the keys in the AWS provider's IamState;
//  * `Authorization: Bearer …`: a short-term Bedrock API key (`bedrock-api-key-` + base64 of a
//    presigned `bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-…&Version=1` URL, as made
//    by @aws/bedrock-token-generator), whose presigned SigV4 query signature is verified the same
//    way (method POST, path /, host bedrock.amazonaws.com, empty body) with its expiry, or a
//    long-term API key registered with the emulator (an opaque string).

const { verifySigV4 } = require('../aws/sigv4verify');

const BEARER_PREFIX = 'bedrock-api-key-';
const TOKEN_HOST = 'bedrock.amazonaws.com';
const SERVICE_SUFFIX = ':http://internal.amazon.com/coral/com.amazon.coral.service/';

const SIGV4_FAILURES = {
  missing: 'MissingAuthenticationTokenException',
  incomplete: 'IncompleteSignatureException',
  unsupported_scheme: 'IncompleteSignatureException',
  unknown_key: 'UnrecognizedClientException',
  invalid_token: 'UnrecognizedClientException',
  expired_token: 'ExpiredTokenException',
  presign_expired: 'ExpiredTokenException',
};

function failure(reason, message, extra = {}) {
  const type = SIGV4_FAILURES[reason] ?? 'InvalidSignatureException';
  return { ok: false, status: 403, type, errorType: `${type}${SERVICE_SUFFIX}`, reason, message, ...extra };
}

/** Decodes a short-term key into {host, path, signedQuery} or a reason string. */
function decodeShortTermKey(token) {
  const b64 = token.slice(BEARER_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return 'the API key is not base64';
  const url = Buffer.from(b64, 'base64').toString('utf8');
  const m = /^([^/?#]+)(\/[^?#]*)\?([^#]*)$/.exec(url);
  if (!m) return 'the API key does not hold a presigned URL';
  const [, host, path, rawQuery] = m;
  if (host !== TOKEN_HOST) return `the API key's URL is not for ${TOKEN_HOST}`;
  const parts = rawQuery.split('&');
  const version = parts.filter((p) => p.startsWith('Version='));
  if (version.length !== 1 || version[0] !== 'Version=1' || parts[parts.length - 1] !== 'Version=1') {
    return 'the API key does not end with Version=1';
  }
  const signedQuery = parts.filter((p) => !p.startsWith('Version=')).join('&');
  if (!parts.includes('Action=CallWithBearerToken')) return 'the API key is not for Action=CallWithBearerToken';
  return { host, path, signedQuery };
}

/**
 * @returns {Promise<{ok:true, auth:object, sigv4?:object}|{ok:false, status, type, errorType, reason, message, auth?, sigv4?}>}
 */
async function authenticateBedrock(ctx, emu) {
  const iam = emu.state.aws.iam;
  const maxSkewSeconds = emu.config.bedrock.max_skew_seconds;
  const authz = ctx.headers.authorization;
  if (authz !== undefined && /^Bearer /i.test(authz)) {
    const token = authz.slice(7).trim();
    if (!token.startsWith(BEARER_PREFIX)) {
      const rec = emu.state.llm.bedrock.apiKey(token);
      if (!rec) return failure('unknown_key', 'Invalid API Key format: Must start with pre-defined prefix', { auth: { kind: 'bearer', api_key: 'unknown' } });
      return { ok: true, auth: { kind: 'bearer', api_key: 'long-term', key_id: rec.key_id, caller_arn: rec.arn, account_id: rec.account_id } };
    }
    const decoded = decodeShortTermKey(token);
    if (typeof decoded === 'string') return failure('unknown_key', `Invalid API Key: ${decoded}`, { auth: { kind: 'bearer', api_key: 'short-term' } });
    const r = await verifySigV4(
      { method: 'POST', rawPath: decoded.path, rawQuery: decoded.signedQuery, headers: { host: decoded.host }, body: Buffer.alloc(0) },
      { lookup: (akid) => iam.lookup(akid), nowMs: emu.now(), maxSkewSeconds, service: 'bedrock' },
    );
    const auth = {
      kind: 'bearer',
      api_key: 'short-term',
      access_key_id: r.accessKeyId,
      region: r.region,
    };
    if (!r.ok) {
      const message = r.reason === 'presign_expired' ? `Bedrock API key expired: ${r.message}`
        : r.reason === 'mismatch' ? 'Invalid API Key: its signature does not match.' : r.message;
      return failure(r.reason, message, { auth });
    }
    auth.caller_arn = r.credentials.arn;
    auth.temporary = r.credentials.kind === 'temporary';
    auth.expires_at = new Date(Date.parse(`${r.date.slice(0, 4)}-${r.date.slice(4, 6)}-${r.date.slice(6, 8)}T${r.date.slice(9, 11)}:${r.date.slice(11, 13)}:${r.date.slice(13, 15)}Z`) + r.expiresIn * 1000).toISOString();
    return { ok: true, auth };
  }
  const r = await verifySigV4(
    { method: ctx.method, rawPath: ctx.rawPath, rawQuery: ctx.rawQuery, headers: ctx.headers, body: ctx.body },
    { lookup: (akid) => iam.lookup(akid), nowMs: emu.now(), maxSkewSeconds, service: 'bedrock' },
  );
  ctx.recordSigV4(r);
  const auth = { kind: 'sigv4', access_key_id: r.accessKeyId, region: r.region, presigned: r.presigned };
  if (!r.ok) return failure(r.reason, r.message, { auth });
  auth.caller_arn = r.credentials.arn;
  auth.temporary = r.credentials.kind === 'temporary';
  return { ok: true, auth };
}

module.exports = { authenticateBedrock, decodeShortTermKey, BEARER_PREFIX };
