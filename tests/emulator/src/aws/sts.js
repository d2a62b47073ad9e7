'use strict';
// AWS STS (Query protocol): AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity.
// POST / with a form body (or GET /?Action=...). XML responses like the real service; JSON
// when the client sends Accept: application/json.

const { verifySigV4 } = require('./sigv4verify');
const { parseRoleArn, uniqueId } = require('./iam');
const { xmlEscape, isoSeconds, requestId, sendRaw } = require('../util');

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const VERSION = '2011-06-15';
const ACTIONS = ['AssumeRole', 'AssumeRoleWithWebIdentity', 'GetCallerIdentity'];
const SESSION_NAME_RE = /^[\w+=,.@-]*$/;
const EXTERNAL_ID_RE = /^[\w+=,.@:/-]*$/;

class StsError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function wantsJson(ctx) {
  return /application\/json/i.test(ctx.headers.accept ?? '');
}

/** Query-string and form parameters (form wins), like the real service. */
function params(ctx) {
  const out = {};
  for (const [k, v] of Object.entries(ctx.query)) out[k] = Array.isArray(v) ? v[v.length - 1] : v;
  if (ctx.form) Object.assign(out, ctx.form);
  return out;
}

// ---- response rendering -------------------------------------------------------------------

/** Minimal XML rendering of a nested object: strings/numbers are text, objects are elements. */
function toXml(obj) {
  let out = '';
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null) continue;
    out += typeof v === 'object' ? `<${k}>${toXml(v)}</${k}>` : `<${k}>${xmlEscape(v)}</${k}>`;
  }
  return out;
}

function sendResult(ctx, action, result, rid) {
  if (wantsJson(ctx)) {
    // JSON form of a Query API answer: timestamps as epoch seconds.
    const jsonResult = JSON.parse(JSON.stringify(result, (k, v) => (k === 'Expiration' ? Date.parse(v) / 1000 : v)));
    const body = JSON.stringify({
      [`${action}Response`]: { [`${action}Result`]: jsonResult, ResponseMetadata: { RequestId: rid } },
    });
    return sendRaw(ctx.res, 200, body, { 'content-type': 'application/json', 'x-amzn-requestid': rid });
  }
  const body =
    `<${action}Response xmlns="${NS}">\n` +
    `  <${action}Result>${toXml(result)}</${action}Result>\n` +
    `  <ResponseMetadata><RequestId>${rid}</RequestId></ResponseMetadata>\n` +
    `</${action}Response>\n`;
  return sendRaw(ctx.res, 200, body, { 'content-type': 'text/xml', 'x-amzn-requestid': rid });
}

function sendError(ctx, status, code, message, extraHeaders = {}) {
  const rid = requestId();
  const type = status >= 500 ? 'Receiver' : 'Sender';
  if (ctx.logEntry) ctx.logEntry.error = code;
  if (wantsJson(ctx)) {
    const body = JSON.stringify({ Error: { Type: type, Code: code, Message: message }, RequestId: rid });
    return sendRaw(ctx.res, status, body, { 'content-type': 'application/json', 'x-amzn-requestid': rid, ...extraHeaders });
  }
  const body =
    `<ErrorResponse xmlns="${NS}">\n` +
    `  <Error>\n    <Type>${type}</Type>\n    <Code>${xmlEscape(code)}</Code>\n` +
    `    <Message>${xmlEscape(message)}</Message>\n  </Error>\n` +
    `  <RequestId>${rid}</RequestId>\n</ErrorResponse>\n`;
  return sendRaw(ctx.res, status, body, { 'content-type': 'text/xml', 'x-amzn-requestid': rid, ...extraHeaders });
}

// ---- request authentication ---------------------------------------------------------------

const SIG_ERRORS = {
  missing: [403, 'MissingAuthenticationToken'],
  incomplete: [400, 'IncompleteSignature'],
  unsupported_scheme: [400, 'IncompleteSignature'],
  unknown_key: [403, 'InvalidClientTokenId'],
  invalid_token: [403, 'InvalidClientTokenId'],
  expired_token: [403, 'ExpiredToken'],
  skew: [403, 'SignatureDoesNotMatch'],
  presign_expired: [403, 'SignatureDoesNotMatch'],
  wrong_service: [403, 'SignatureDoesNotMatch'],
  payload_hash_mismatch: [403, 'SignatureDoesNotMatch'],
  mismatch: [403, 'SignatureDoesNotMatch'],
};

async function authenticate(ctx, emu) {
  const iam = emu.state.aws.iam;
  const r = await verifySigV4(
    { method: ctx.method, rawPath: ctx.rawPath, rawQuery: ctx.rawQuery, headers: ctx.headers, body: ctx.body },
    { lookup: (akid) => iam.lookup(akid), nowMs: emu.now(), maxSkewSeconds: emu.config.sts.max_skew_seconds, service: 'sts' },
  );
  ctx.recordSigV4(r);
  if (r.ok) return r.credentials;
  const [status, code] = SIG_ERRORS[r.reason] ?? [403, 'SignatureDoesNotMatch'];
  throw new StsError(status, code, r.message);
}

// ---- parameter validation -----------------------------------------------------------------

function validationError(msg) {
  return new StsError(400, 'ValidationError', msg);
}

function requireRoleArn(p) {
  const arn = p.RoleArn;
  if (arn === undefined) throw validationError("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
  const parsed = parseRoleArn(arn);
  if (!parsed) throw validationError(`Request ARN is invalid: '${arn}' is not a valid role ARN (expected arn:aws:iam::123456789012:role/NAME)`);
  return parsed;
}

function requireSessionName(p) {
  const n = p.RoleSessionName;
  if (n === undefined) throw validationError("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
  if (n.length < 2 || n.length > 64) {
    throw validationError(`1 validation error detected: Value '${n}' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64`);
  }
  if (!SESSION_NAME_RE.test(n)) {
    throw validationError(`1 validation error detected: Value '${n}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
  }
  return n;
}

function durationSeconds(p, role, { chained }) {
  if (p.DurationSeconds === undefined) return Math.min(3600, role.maxDurationSeconds);
  const s = p.DurationSeconds;
  if (!/^\d{1,9}$/.test(s)) throw validationError(`Value '${s}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`);
  const d = Number(s);
  if (d < 900) throw validationError(`1 validation error detected: Value '${d}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
  if (d > 43200) throw validationError(`1 validation error detected: Value '${d}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200`);
  if (chained && d > 3600) throw validationError('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  if (d > role.maxDurationSeconds) throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  return d;
}

/** Issues credentials for a role session and renders Credentials + AssumedRoleUser. */
function issueRoleSession(emu, roleArn, parsed, sessionName, duration, source, chained) {
  const ttl = emu.config.credential_ttl_seconds;
  const lifetime = ttl === null ? duration : Math.min(duration, ttl);
  const roleId = uniqueId('AROA', roleArn);
  const assumedArn = `arn:${parsed.partition}:sts::${parsed.accountId}:assumed-role/${parsed.roleName}/${sessionName}`;
  const creds = emu.state.aws.iam.issueTemporary({
    accountId: parsed.accountId,
    arn: assumedArn,
    userId: `${roleId}:${sessionName}`,
    roleArn,
    lifetimeSeconds: lifetime,
    source,
    chained,
    nowMs: emu.now(),
  });
  return {
    AssumedRoleUser: { AssumedRoleId: `${roleId}:${sessionName}`, Arn: assumedArn },
    Credentials: {
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      SessionToken: creds.sessionToken,
      Expiration: isoSeconds(creds.expiration),
    },
  };
}

function hasPolicy(p) {
  return p.Policy !== undefined || Object.keys(p).some((k) => k.startsWith('PolicyArns.member.'));
}

// ---- actions --------------------------------------------------------------------------------

async function assumeRole(ctx, emu, p) {
  const caller = await authenticate(ctx, emu);
  const parsed = requireRoleArn(p);
  const sessionName = requireSessionName(p);
  const role = emu.state.aws.iam.roleConstraints(p.RoleArn);
  const chained = caller.kind === 'temporary' && !!caller.roleArn;
  const duration = durationSeconds(p, role, { chained });
  if (p.ExternalId !== undefined && (p.ExternalId.length < 2 || p.ExternalId.length > 1224 || !EXTERNAL_ID_RE.test(p.ExternalId))) {
    throw validationError(`1 validation error detected: Value '${p.ExternalId}' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]* and have length between 2 and 1224`);
  }
  if (role.externalId !== null && p.ExternalId !== role.externalId) {
    throw new StsError(403, 'AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${p.RoleArn}`);
  }
  const session = issueRoleSession(emu, p.RoleArn, parsed, sessionName, duration, 'sts', chained);
  const result = {
    AssumedRoleUser: session.AssumedRoleUser,
    Credentials: session.Credentials,
    PackedPolicySize: hasPolicy(p) ? 6 : undefined,
    SourceIdentity: p.SourceIdentity,
  };
  return result;
}

async function assumeRoleWithWebIdentity(ctx, emu, p) {
  // Unsigned by design (the web identity token is the proof); a signature is ignored.
  const parsed = requireRoleArn(p);
  const sessionName = requireSessionName(p);
  const token = p.WebIdentityToken;
  if (token === undefined) throw validationError("1 validation error detected: Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null");
  if (token.length < 4 || token.length > 20000) {
    throw validationError("1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and 20000");
  }
  const info = emu.state.aws.iam.webIdentityToken(token);
  if (!info) {
    throw new StsError(400, 'InvalidIdentityToken', 'The web identity token that was passed could not be validated by Amazon Web Services. Get a new identity token from the identity provider and then retry the request.');
  }
  const role = emu.state.aws.iam.roleConstraints(p.RoleArn);
  const duration = durationSeconds(p, role, { chained: false });
  const session = issueRoleSession(emu, p.RoleArn, parsed, sessionName, duration, 'sts-web-identity', false);
  return {
    SubjectFromWebIdentityToken: info.subject,
    Audience: info.audience,
    AssumedRoleUser: session.AssumedRoleUser,
    Credentials: session.Credentials,
    PackedPolicySize: hasPolicy(p) ? 6 : undefined,
    Provider: info.provider,
  };
}

async function getCallerIdentity(ctx, emu) {
  const caller = await authenticate(ctx, emu);
  return { Arn: caller.arn, UserId: caller.userId, Account: caller.accountId };
}

const HANDLERS = {
  AssumeRole: assumeRole,
  AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity,
  GetCallerIdentity: getCallerIdentity,
};

// ---- module interface -------------------------------------------------------------------------

module.exports = {
  target: 'sts',
  counterNames: ACTIONS.map((a) => `sts.${a}`),

  match(ctx) {
    return ctx.rawPath === '/';
  },

  counter(ctx) {
    const action = params(ctx).Action;
    return ACTIONS.includes(action) ? `sts.${action}` : 'sts.other';
  },

  async handle(ctx, emu) {
    const p = params(ctx);
    try {
      if (ctx.method !== 'POST' && ctx.method !== 'GET') {
        throw new StsError(400, 'InvalidAction', `STS does not support the ${ctx.method} method`);
      }
      if (!p.Action) throw new StsError(400, 'MissingAction', 'Missing Action');
      if (p.Version !== undefined && p.Version !== VERSION) {
        throw new StsError(400, 'InvalidAction', `Could not find operation ${p.Action} for version ${p.Version}`);
      }
      const handler = HANDLERS[p.Action];
      if (!handler) throw new StsError(400, 'InvalidAction', `Could not find operation ${p.Action} for version ${VERSION}`);
      const result = await handler(ctx, emu, p);
      sendResult(ctx, p.Action, result, requestId());
    } catch (e) {
      if (!(e instanceof StsError)) throw e;
      sendError(ctx, e.status, e.code, e.message);
    }
  },

  faultResponse(ctx, fault) {
    const status = fault.status;
    const code =
      fault.code ??
      (status === 400 || status === 429 ? 'Throttling'
        : status === 403 ? 'AccessDenied'
          : status === 503 ? 'ServiceUnavailable'
            : status >= 500 ? 'InternalFailure'
              : 'InvalidRequest');
    const message = fault.message ?? (code === 'Throttling' ? 'Rate exceeded' : `Injected fault (HTTP ${status})`);
    sendError(ctx, status, code, message, fault.headers ?? {});
  },
};
