'use strict';
// SigV4 verification with AWS's own signer (@smithy/signature-v4). Nothing here computes a
// canonical request or an HMAC by hand: we rebuild an HttpRequest from what arrived, let
// SignatureV4 sign it (header form) or presign it (query form) at the request's own
// X-Amz-Date with the secret we know for the access key id, and compare the signatures.

const { SignatureV4, getCanonicalHeaders, getPayloadHash } = require('@smithy/signature-v4');
const { HttpRequest } = require('@smithy/protocol-http');
const { Sha256 } = require('@aws-crypto/sha256-js');
const { safeEqual, sha256Hex, parseRawQuery } = require('../util');

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AMZ_DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const MAX_PRESIGN_EXPIRES = 7 * 24 * 3600;
const INVALID_TOKEN_MSG = 'The security token included in the request is invalid.';
const EXPIRED_TOKEN_MSG = 'The security token included in the request is expired';
const MISMATCH_MSG =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/**
 * Folds raw header pairs the way SigV4 wants them: names lower-cased, values of repeated
 * headers joined with "," in arrival order (node's own req.headers would join some with ", "
 * and silently drop duplicates of others).
 * @param {string[]} rawHeaders node's req.rawHeaders ([name, value, name, value, ...])
 */
function foldRawHeaders(rawHeaders) {
  const out = Object.create(null);
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    out[name] = name in out ? `${out[name]},${value}` : value;
  }
  return out;
}

function parseAmzDate(s) {
  const m = typeof s === 'string' ? AMZ_DATE_RE.exec(s) : null;
  if (!m) return null;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return Number.isNaN(ms) ? null : new Date(ms);
}

function amzDate(ms) {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** "AWS4-HMAC-SHA256 Credential=A/B, SignedHeaders=x;y, Signature=z" → fields, or an error string. */
function parseAuthorizationHeader(value) {
  const sp = value.indexOf(' ');
  const scheme = sp < 0 ? value : value.slice(0, sp);
  if (scheme !== ALGORITHM) return { error: `unsupported authorization scheme '${scheme}'`, scheme };
  const fields = {};
  for (const part of value.slice(sp + 1).split(',')) {
    const t = part.trim();
    const eq = t.indexOf('=');
    if (eq > 0) fields[t.slice(0, eq)] = t.slice(eq + 1);
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((k) => !fields[k]);
  if (missing.length) {
    return { error: `Authorization header requires ${missing.map((k) => `'${k}'`).join(', ')} parameter(s).` };
  }
  return { credential: fields.Credential, signedHeaders: fields.SignedHeaders, signature: fields.Signature };
}

/** "AKID/20150830/us-east-1/service/aws4_request" → parts, or null. */
function parseCredentialScope(credential) {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1]) || !parts[0]) return null;
  if (!parts[2] || !parts[3]) return null;
  return { accessKeyId: parts[0], date: parts[1], region: parts[2], service: parts[3] };
}

function fail(reason, message, extra = {}) {
  return { ok: false, reason, message, ...extra };
}

/**
 * Verifies a SigV4-signed request (header or presigned query form).
 *
 * @param {object} req
 *   method, rawPath (as on the request line, before '?'), rawQuery (after '?', may be ''),
 *   rawHeaders (node's req.rawHeaders) or headers (already folded, lower-case names),
 *   body (Buffer)
 * @param {object} opts
 *   lookup(akid) → { kind:'user'|'temporary', secretAccessKey, sessionToken?, expiration? } | null
 *   nowMs (default Date.now()), maxSkewSeconds (number, or null to skip every clock check),
 *   service (if set, the credential scope must name it), allowPresigned (default true)
 * @returns {Promise<object>} { ok:true, ... } or { ok:false, reason, message, ... } where reason is
 *   missing | incomplete | unsupported_scheme | unknown_key | invalid_token | expired_token |
 *   skew | presign_expired | wrong_service | payload_hash_mismatch | mismatch
 */
async function verifySigV4(req, opts) {
  const nowMs = opts.nowMs ?? Date.now();
  const headers = req.headers ?? foldRawHeaders(req.rawHeaders ?? []);
  const query = parseRawQuery(req.rawQuery ?? '');
  const body = req.body ?? Buffer.alloc(0);
  const authz = headers.authorization;
  const presigned = typeof query['X-Amz-Signature'] === 'string' || typeof query['X-Amz-Algorithm'] === 'string';

  if (authz !== undefined && authz.startsWith(ALGORITHM) && presigned) {
    return fail('incomplete', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified');
  }

  // ---- collect the pieces of either form ------------------------------------------------
  let credential;
  let signedHeadersStr;
  let clientSignature;
  let dateStr;
  let expiresIn = null;
  if (presigned) {
    if (opts.allowPresigned === false) return fail('missing', 'Presigned (query string) authentication is not accepted here');
    const need = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Expires'];
    const missing = need.filter((k) => typeof query[k] !== 'string' || query[k] === '');
    if (missing.length) return fail('incomplete', `AWS query-string parameters missing or repeated: ${missing.join(', ')}`);
    if (query['X-Amz-Algorithm'] !== ALGORITHM) return fail('incomplete', `X-Amz-Algorithm must be ${ALGORITHM}`);
    credential = query['X-Amz-Credential'];
    signedHeadersStr = query['X-Amz-SignedHeaders'];
    clientSignature = query['X-Amz-Signature'];
    dateStr = query['X-Amz-Date'];
    if (!/^\d+$/.test(query['X-Amz-Expires'])) return fail('incomplete', 'X-Amz-Expires must be a non-negative integer');
    expiresIn = Number(query['X-Amz-Expires']);
    if (expiresIn < 1 || expiresIn > MAX_PRESIGN_EXPIRES) {
      return fail('incomplete', `X-Amz-Expires must be between 1 and ${MAX_PRESIGN_EXPIRES} seconds`);
    }
  } else {
    if (authz === undefined || authz === '') return fail('missing', 'Request is missing Authentication Token');
    const parsed = parseAuthorizationHeader(authz);
    if (parsed.error) return fail(parsed.scheme ? 'unsupported_scheme' : 'incomplete', parsed.error);
    credential = parsed.credential;
    signedHeadersStr = parsed.signedHeaders;
    clientSignature = parsed.signature;
    dateStr = headers['x-amz-date'];
    if (dateStr === undefined) {
      return fail('incomplete', headers.date !== undefined
        ? 'The emulator requires the X-Amz-Date header (signing with the Date header is not supported)'
        : 'Request is missing the X-Amz-Date header');
    }
  }

  const scope = parseCredentialScope(credential);
  if (!scope) return fail('incomplete', `Incorrect credential scope '${credential}': expected AKID/yyyymmdd/region/service/aws4_request`);
  const signingDate = parseAmzDate(dateStr);
  if (!signingDate) return fail('incomplete', `Invalid X-Amz-Date '${dateStr}': expected yyyymmddTHHMMSSZ`);
  if (dateStr.slice(0, 8) !== scope.date) {
    return fail('mismatch', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scope.date}' != '${dateStr.slice(0, 8)}', from '${dateStr}'.`, { accessKeyId: scope.accessKeyId });
  }
  if (opts.service && scope.service !== opts.service) {
    return fail('wrong_service', `Credential should be scoped to correct service: '${opts.service}'. `, { accessKeyId: scope.accessKeyId });
  }
  const signedHeaders = signedHeadersStr.split(';');
  if (signedHeaders.some((h) => h === '' || h !== h.toLowerCase())) {
    return fail('incomplete', `SignedHeaders '${signedHeadersStr}' must be lower-case names separated by ';'`);
  }
  if (!signedHeaders.includes('host')) {
    return fail('mismatch', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.", { accessKeyId: scope.accessKeyId });
  }
  const absent = signedHeaders.filter((h) => headers[h] === undefined);
  if (absent.length) {
    return fail('mismatch', `Signed header(s) not present in the request: ${absent.join(', ')}`, { accessKeyId: scope.accessKeyId });
  }
  if (!presigned && signedHeaders.includes('date')) {
    return fail('incomplete', 'The emulator does not support signing the Date header; sign X-Amz-Date instead');
  }

  // ---- who signed it ------------------------------------------------------------------------
  const akid = scope.accessKeyId;
  const record = opts.lookup(akid);
  if (!record) return fail('unknown_key', INVALID_TOKEN_MSG, { accessKeyId: akid });
  const token = presigned ? query['X-Amz-Security-Token'] : headers['x-amz-security-token'];
  if (record.kind === 'temporary') {
    if (typeof token !== 'string' || !safeEqual(token, record.sessionToken)) {
      return fail('invalid_token', INVALID_TOKEN_MSG, { accessKeyId: akid });
    }
    if (nowMs >= record.expiration) return fail('expired_token', EXPIRED_TOKEN_MSG, { accessKeyId: akid });
  } else if (token !== undefined) {
    return fail('invalid_token', INVALID_TOKEN_MSG, { accessKeyId: akid });
  }

  // ---- clock checks (skipped when maxSkewSeconds is null) ------------------------------------
  if (opts.maxSkewSeconds !== null && opts.maxSkewSeconds !== undefined) {
    const skewMs = opts.maxSkewSeconds * 1000;
    const t = signingDate.getTime();
    const mins = Math.round(opts.maxSkewSeconds / 60);
    if (presigned) {
      if (nowMs > t + expiresIn * 1000) {
        return fail('presign_expired', `Request has expired: signed at ${dateStr}, expired ${amzDate(t + expiresIn * 1000)}, now ${amzDate(nowMs)}`, { accessKeyId: akid });
      }
      if (t > nowMs + skewMs) {
        return fail('skew', `Signature not yet current: ${dateStr} is still later than ${amzDate(nowMs + skewMs)} (${amzDate(nowMs)} + ${mins} min.)`, { accessKeyId: akid });
      }
    } else if (t < nowMs - skewMs) {
      return fail('skew', `Signature expired: ${dateStr} is now earlier than ${amzDate(nowMs - skewMs)} (${amzDate(nowMs)} - ${mins} min.)`, { accessKeyId: akid });
    } else if (t > nowMs + skewMs) {
      return fail('skew', `Signature not yet current: ${dateStr} is still later than ${amzDate(nowMs + skewMs)} (${amzDate(nowMs)} + ${mins} min.)`, { accessKeyId: akid });
    }
  }

  // ---- declared payload hash must describe the body -----------------------------------------
  const bodySha = sha256Hex(body);
  const declared = headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== 'UNSIGNED-PAYLOAD' && !declared.startsWith('STREAMING-')) {
    if (declared !== bodySha) {
      return fail('payload_hash_mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", { accessKeyId: akid });
    }
  }

  // ---- rebuild the request and let the official signer sign it ------------------------------
  const hostHeader = headers.host ?? '';
  const hostMatch = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader);
  const request = new HttpRequest({
    method: req.method,
    protocol: 'http:',
    hostname: hostMatch ? hostMatch[1] : hostHeader,
    port: hostMatch && hostMatch[2] ? Number(hostMatch[2]) : undefined,
    path: req.rawPath,
    query,
    headers: { ...headers },
    body,
  });
  const signable = new Set(signedHeaders);
  const unsignable = new Set(Object.keys(headers).filter((h) => !signable.has(h)));
  const signer = new SignatureV4({
    // No session token here: when the client signed X-Amz-Security-Token it is among the
    // signed headers (or in the query) already; when it did not, it must stay out.
    credentials: { accessKeyId: akid, secretAccessKey: record.secretAccessKey },
    region: scope.region,
    service: scope.service,
    sha256: Sha256,
    uriEscapePath: scope.service !== 's3',
    applyChecksum: false,
  });
  const signOpts = {
    signingDate,
    signingRegion: scope.region,
    signingService: scope.service,
    signableHeaders: signable,
    unsignableHeaders: unsignable,
  };

  let expected;
  let signedRequest;
  try {
    if (presigned) {
      signedRequest = await signer.presign(request, {
        ...signOpts,
        expiresIn,
        unhoistableHeaders: new Set(Object.keys(headers)),
      });
      expected = signedRequest.query['X-Amz-Signature'];
    } else {
      signedRequest = await signer.sign(request, signOpts);
      const m = /Signature=([0-9a-f]+)/.exec(signedRequest.headers.authorization ?? '');
      expected = m ? m[1] : '';
    }
  } catch (e) {
    return fail('incomplete', `could not re-sign the request: ${e && e.message ? e.message : e}`, { accessKeyId: akid });
  }

  const result = {
    accessKeyId: akid,
    credentials: record,
    service: scope.service,
    region: scope.region,
    date: dateStr,
    signedHeaders,
    signature: clientSignature,
    presigned,
    expiresIn,
    bodySha256: bodySha,
  };
  if (safeEqual(clientSignature, expected)) return { ok: true, ...result };

  // Diagnostics for whoever debugs a signer: what the official signer canonicalized.
  const diag = await diagnostics(signer, signedRequest, request, unsignable, signable, scope, dateStr);
  return fail('mismatch', MISMATCH_MSG, {
    ...result,
    credentials: undefined,
    expectedSignature: expected,
    canonicalRequest: redactToken(diag.canonicalRequest, token),
    stringToSign: diag.stringToSign,
  });
}

async function diagnostics(signer, signedRequest, original, unsignable, signable, scope, dateStr) {
  try {
    const canonicalHeaders = getCanonicalHeaders(signedRequest, unsignable, signable);
    const payloadHash = await getPayloadHash(original, Sha256);
    const canonicalRequest = signer.createCanonicalRequest(signedRequest, canonicalHeaders, payloadHash);
    const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
    const stringToSign = await signer.createStringToSign(dateStr, credentialScope, canonicalRequest, ALGORITHM);
    return { canonicalRequest, stringToSign };
  } catch {
    return { canonicalRequest: undefined, stringToSign: undefined };
  }
}

function redactToken(text, token) {
  if (typeof text !== 'string' || typeof token !== 'string' || token === '') return text;
  const encoded = encodeURIComponent(token).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return text.split(token).join('<redacted>').split(encoded).join('<redacted>');
}

module.exports = {
  verifySigV4,
  foldRawHeaders,
  parseAuthorizationHeader,
  parseCredentialScope,
  parseAmzDate,
  amzDate,
  ALGORITHM,
};
