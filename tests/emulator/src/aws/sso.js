'use strict';
// IAM Identity Center (SSO) portal: GetRoleCredentials.
// GET /federation/credentials?role_name=R&account_id=A with the header x-amz-sso_bearer_token
// (unsigned) → {"roleCredentials":{"accessKeyId","secretAccessKey","sessionToken","expiration"}}
// with the expiration in epoch milliseconds. The credentials are registered like STS's, so the
// echo and Bedrock endpoints accept their signatures. Clients reach it through
// AWS_ENDPOINT_URL_SSO=http://127.0.0.1:PORT (the real one is portal.sso.{region}.amazonaws.com).

const { sendJson, requestId } = require('../util');
const { uniqueId } = require('./iam');

const PATH = '/federation/credentials';
const DEFAULT_LIFETIME = 3600;
const ACCOUNT_RE = /^\d{12}$/;
const ROLE_NAME_RE = /^[\w+=,.@-]{1,64}$/;

/** REST-JSON errors as the portal sends them: the type in x-amzn-ErrorType, {"message"}. */
function sendError(ctx, status, type, message) {
  return sendJson(ctx.res, status, { message }, {
    'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/`,
    'x-amzn-requestid': requestId(),
  });
}

function one(v) {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

module.exports = {
  target: 'sso',
  counterNames: ['sso.GetRoleCredentials', 'sso.other'],

  match(ctx) {
    return ctx.rawPath === '/federation' || ctx.rawPath.startsWith('/federation/');
  },

  counter(ctx) {
    return ctx.method === 'GET' && ctx.rawPath === PATH ? 'sso.GetRoleCredentials' : 'sso.other';
  },

  async handle(ctx, emu) {
    if (ctx.rawPath !== PATH) return sendError(ctx, 404, 'ResourceNotFoundException', `no SSO portal operation at ${ctx.rawPath}`);
    if (ctx.method !== 'GET') return sendError(ctx, 405, 'InvalidRequestException', `${ctx.method} is not allowed`);
    const sso = emu.state.aws.sso;
    const session = sso.sessionOf(ctx.headers['x-amz-sso_bearer_token'], emu.now());
    ctx.logEntry.sso = { operation: 'GetRoleCredentials', token_valid: !!session };
    if (!session) return sendError(ctx, 401, 'UnauthorizedException', 'Session token not found or invalid');
    const roleName = one(ctx.query.role_name);
    const accountId = one(ctx.query.account_id);
    if (typeof roleName !== 'string' || !ROLE_NAME_RE.test(roleName)) {
      return sendError(ctx, 400, 'InvalidRequestException', 'role_name is missing or invalid');
    }
    if (typeof accountId !== 'string' || !ACCOUNT_RE.test(accountId)) {
      return sendError(ctx, 400, 'InvalidRequestException', 'account_id is missing or invalid');
    }
    Object.assign(ctx.logEntry.sso, { account_id: accountId, role_name: roleName });
    if (session.roles && !session.roles.some((r) => r.accountId === accountId && r.roleName === roleName)) {
      return sendError(ctx, 403, 'ForbiddenException', 'No access');
    }
    // The role IAM Identity Center provisions for a permission set, and the signed-in user.
    const role = `AWSReservedSSO_${roleName}_${uniqueId('', `${accountId}:${roleName}`).toLowerCase().slice(0, 16)}`;
    const user = 'llmauth-sso-user';
    const creds = emu.state.aws.iam.issueTemporary({
      accountId,
      arn: `arn:aws:sts::${accountId}:assumed-role/${role}/${user}`,
      userId: `${uniqueId('AROA', `${accountId}:${role}`)}:${user}`,
      roleArn: `arn:aws:iam::${accountId}:role/aws-reserved/sso.amazonaws.com/${role}`,
      lifetimeSeconds: emu.config.credential_ttl_seconds ?? DEFAULT_LIFETIME,
      source: 'sso',
      nowMs: emu.now(),
    });
    return sendJson(ctx.res, 200, {
      roleCredentials: {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        sessionToken: creds.sessionToken,
        expiration: creds.expiration,
      },
    });
  },

  faultResponse(ctx, fault) {
    sendError(ctx, fault.status, fault.code ?? (fault.status >= 500 ? 'InternalServerException' : 'TooManyRequestsException'),
      fault.message ?? `Injected fault (HTTP ${fault.status})`);
  },
};
