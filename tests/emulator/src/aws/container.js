'use strict';
// Container credentials endpoint (ECS task role / EKS Pod Identity agent):
// GET /container/<anything> → {AccessKeyId, SecretAccessKey, Token, Expiration, RoleArn, AccountId}.
// Clients reach it through AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:PORT/container/credentials.

const { isoSeconds, sendJson, safeEqual } = require('../util');
const { parseRoleArn, uniqueId } = require('./iam');

const DEFAULT_LIFETIME = 6 * 3600;

module.exports = {
  target: 'container',
  counterNames: ['container'],

  match(ctx) {
    return ctx.rawPath === '/container' || ctx.rawPath.startsWith('/container/');
  },

  counter() {
    return 'container';
  },

  async handle(ctx, emu) {
    const cfg = emu.config.container;
    if (ctx.method !== 'GET') {
      return sendJson(ctx.res, 405, { code: 'MethodNotAllowed', message: `${ctx.method} is not allowed` }, { allow: 'GET' });
    }
    if (cfg.authorization !== null) {
      const got = ctx.headers.authorization;
      if (got === undefined) {
        return sendJson(ctx.res, 401, { code: 'AccessDeniedException', message: 'Authorization header is missing' });
      }
      if (!safeEqual(got, cfg.authorization)) {
        return sendJson(ctx.res, 403, { code: 'AccessDeniedException', message: 'Authorization header does not match the expected token' });
      }
    }
    const parsed = parseRoleArn(cfg.role_arn);
    const ttl = emu.config.credential_ttl_seconds ?? DEFAULT_LIFETIME;
    const roleId = uniqueId('AROA', cfg.role_arn);
    const session = 'llmauth-container-session';
    const creds = emu.state.aws.iam.issueTemporary({
      accountId: parsed.accountId,
      arn: `arn:${parsed.partition}:sts::${parsed.accountId}:assumed-role/${parsed.roleName}/${session}`,
      userId: `${roleId}:${session}`,
      roleArn: cfg.role_arn,
      lifetimeSeconds: ttl,
      source: 'container',
      nowMs: emu.now(),
    });
    return sendJson(ctx.res, 200, {
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      Token: creds.sessionToken,
      Expiration: isoSeconds(creds.expiration),
      RoleArn: cfg.role_arn,
      AccountId: parsed.accountId,
    });
  },

  faultResponse(ctx, fault) {
    sendJson(ctx.res, fault.status, {
      code: fault.code ?? (fault.status >= 500 ? 'InternalServerError' : 'InjectedFault'),
      message: fault.message ?? `Injected fault (HTTP ${fault.status})`,
    }, fault.headers ?? {});
  },
};
