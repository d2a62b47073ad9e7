'use strict';
// EC2 instance metadata service (IMDSv1 and IMDSv2), the parts a credential provider uses.
//
// Modes (config.imds.mode):
//   optional  IMDSv2 tokens are issued and checked when sent; GETs without a token work (v1)
//   required  GETs without a valid token get 401 (IMDSv2 only, the hardened default on AWS)
//   v1-only   PUT /latest/api/token answers 403 (an old IMDS or a proxy); GETs work without token
//   disabled  every /latest/... path answers 404 (a connection refusal cannot be emulated on a
//             port shared with the other endpoints)

const { randomString, isoSeconds, sendText, sendJson, sendRaw } = require('../util');
const { uniqueId } = require('./iam');

const TOKEN_PATH = '/latest/api/token';
const CREDS_PREFIX = '/latest/meta-data/iam/security-credentials';
const INSTANCE_ID = 'i-0123456789abcdef0';
const ACCOUNT_ID = '123456789012';
const DEFAULT_LIFETIME = 6 * 3600;
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function route(ctx) {
  const p = ctx.rawPath;
  if (p === TOKEN_PATH) return 'token';
  if (p === CREDS_PREFIX || p === CREDS_PREFIX + '/') return 'role';
  if (p.startsWith(CREDS_PREFIX + '/')) return 'credentials';
  return 'other';
}

function notFound(res) {
  // Real IMDS answers 404 with a small HTML page; a plain text body is enough here.
  sendText(res, 404, '404 - Not Found');
}

function tokenState(emu) {
  return emu.state.aws.imdsTokens;
}

/** Returns null if the request may proceed, else sends 401 and returns true. */
function checkToken(ctx, emu) {
  const mode = emu.config.imds.mode;
  const token = ctx.headers['x-aws-ec2-metadata-token'];
  if (mode === 'v1-only') return null; // an IMDSv1-only service ignores the header
  if (token === undefined) {
    if (mode === 'required') {
      sendText(ctx.res, 401, 'Unauthorized');
      return true;
    }
    return null;
  }
  const exp = tokenState(emu).get(token);
  if (exp === undefined || exp <= emu.now()) {
    sendText(ctx.res, 401, 'Unauthorized');
    return true;
  }
  ctx.imdsTokenTtl = Math.max(0, Math.floor((exp - emu.now()) / 1000));
  return null;
}

function tokenHeaders(ctx) {
  return ctx.imdsTokenTtl !== undefined ? { 'x-aws-ec2-metadata-token-ttl-seconds': String(ctx.imdsTokenTtl) } : {};
}

function putToken(ctx, emu) {
  const mode = emu.config.imds.mode;
  if (ctx.method !== 'PUT') return sendText(ctx.res, 405, 'Method Not Allowed', { allow: 'PUT' });
  if (mode === 'v1-only') return sendText(ctx.res, 403, 'Forbidden');
  if (ctx.headers['x-forwarded-for'] !== undefined) return sendText(ctx.res, 403, 'Forbidden');
  const ttlHeader = ctx.headers['x-aws-ec2-metadata-token-ttl-seconds'];
  if (ttlHeader === undefined || !/^\d{1,6}$/.test(ttlHeader.trim())) return sendText(ctx.res, 400, 'Bad Request');
  const ttl = Number(ttlHeader.trim());
  if (ttl < 1 || ttl > 21600) return sendText(ctx.res, 400, 'Bad Request');
  const token = 'AQAEA' + randomString(51, TOKEN_ALPHABET) + '==';
  tokenState(emu).set(token, emu.now() + ttl * 1000);
  return sendText(ctx.res, 200, token, { 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) });
}

function getCredentials(ctx, emu, roleName) {
  const cfg = emu.config.imds;
  if (!cfg.role || roleName !== cfg.role) return notFound(ctx.res);
  const ttl = emu.config.credential_ttl_seconds ?? DEFAULT_LIFETIME;
  const roleArn = `arn:aws:iam::${ACCOUNT_ID}:role/${cfg.role}`;
  const roleId = uniqueId('AROA', roleArn);
  const now = emu.now();
  const creds = emu.state.aws.iam.issueTemporary({
    accountId: ACCOUNT_ID,
    arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${cfg.role}/${INSTANCE_ID}`,
    userId: `${roleId}:${INSTANCE_ID}`,
    roleArn,
    lifetimeSeconds: ttl,
    source: 'imds',
    nowMs: now,
  });
  // Same field order as the real service.
  const body = JSON.stringify(
    {
      Code: 'Success',
      LastUpdated: isoSeconds(now),
      Type: 'AWS-HMAC',
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      Token: creds.sessionToken,
      Expiration: isoSeconds(creds.expiration),
    },
    null,
    2,
  );
  return sendRaw(ctx.res, 200, body, { 'content-type': 'text/plain', ...tokenHeaders(ctx) });
}

function getOther(ctx, emu) {
  const cfg = emu.config.imds;
  const h = tokenHeaders(ctx);
  switch (ctx.rawPath) {
    case '/latest/meta-data/instance-id':
      return sendText(ctx.res, 200, INSTANCE_ID, h);
    case '/latest/meta-data/placement/region':
      return sendText(ctx.res, 200, cfg.region, h);
    case '/latest/meta-data/placement/availability-zone':
      return sendText(ctx.res, 200, `${cfg.region}a`, h);
    case '/latest/dynamic/instance-identity/document':
      return sendJson(ctx.res, 200, {
        accountId: ACCOUNT_ID,
        architecture: 'x86_64',
        availabilityZone: `${cfg.region}a`,
        instanceId: INSTANCE_ID,
        instanceType: 't3.micro',
        region: cfg.region,
      }, h);
    default:
      return notFound(ctx.res);
  }
}

module.exports = {
  target: 'imds',
  counterNames: ['imds.token', 'imds.role', 'imds.credentials'],

  match(ctx) {
    return ctx.rawPath.startsWith('/latest/') || ctx.rawPath === '/latest';
  },

  counter(ctx) {
    const r = route(ctx);
    return r === 'other' ? 'imds.other' : `imds.${r}`;
  },

  async handle(ctx, emu) {
    const cfg = emu.config.imds;
    if (cfg.mode === 'disabled') return notFound(ctx.res);
    const r = route(ctx);
    if (r === 'token') return putToken(ctx, emu);
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return sendText(ctx.res, 405, 'Method Not Allowed', { allow: 'GET' });
    if (checkToken(ctx, emu)) return undefined;
    if (r === 'role') {
      if (!cfg.role) return notFound(ctx.res);
      return sendText(ctx.res, 200, cfg.role, tokenHeaders(ctx));
    }
    if (r === 'credentials') {
      let name;
      try {
        name = decodeURIComponent(ctx.rawPath.slice(CREDS_PREFIX.length + 1).replace(/\/$/, ''));
      } catch {
        return notFound(ctx.res);
      }
      return getCredentials(ctx, emu, name);
    }
    return getOther(ctx, emu);
  },

  faultResponse(ctx, fault) {
    const text = fault.message ?? (fault.status === 404 ? '404 - Not Found' : `Injected fault (HTTP ${fault.status})`);
    sendText(ctx.res, fault.status, text, fault.headers ?? {});
  },
};
