'use strict';
// IAM Identity Center OIDC: CreateToken with the refresh_token grant (what SDKs do to refresh
// the token `aws sso login` cached). POST /token with a JSON body
// {"grantType":"refresh_token","clientId","clientSecret","refreshToken"} →
// {"accessToken","tokenType":"Bearer","expiresIn","refreshToken"} (the refresh token rotates:
// each one works once). Errors are OAuth-shaped ({"error","error_description"}) with the type in
// x-amzn-ErrorType. Clients reach it through AWS_ENDPOINT_URL_SSO_OIDC=http://127.0.0.1:PORT
// (the real one is oidc.{region}.amazonaws.com).

const { sendJson, requestId, isPlainObject } = require('../util');

const GRANT_TYPES = ['refresh_token', 'authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'];

function sendError(ctx, status, type, error, description) {
  return sendJson(ctx.res, status, { error, error_description: description }, {
    'x-amzn-errortype': type,
    'x-amzn-requestid': requestId(),
  });
}

module.exports = {
  target: 'sso_oidc',
  counterNames: ['sso_oidc.CreateToken', 'sso_oidc.other'],

  match(ctx) {
    return ctx.rawPath === '/token';
  },

  counter(ctx) {
    return ctx.method === 'POST' ? 'sso_oidc.CreateToken' : 'sso_oidc.other';
  },

  async handle(ctx, emu) {
    if (ctx.method !== 'POST') return sendError(ctx, 405, 'InvalidRequestException', 'invalid_request', `${ctx.method} is not allowed`);
    let body;
    try {
      body = JSON.parse(ctx.body.toString('utf8'));
    } catch {
      body = null;
    }
    if (!isPlainObject(body)) return sendError(ctx, 400, 'InvalidRequestException', 'invalid_request', 'the body must be a JSON object');
    ctx.logEntry.sso = { operation: 'CreateToken', grant_type: body.grantType, client_id: body.clientId };
    if (!GRANT_TYPES.includes(body.grantType)) {
      return sendError(ctx, 400, 'UnsupportedGrantTypeException', 'unsupported_grant_type', 'grantType is missing or unknown');
    }
    if (body.grantType !== 'refresh_token') {
      return sendError(ctx, 400, 'UnsupportedGrantTypeException', 'unsupported_grant_type', 'the emulator implements only the refresh_token grant');
    }
    try {
      const out = emu.state.aws.sso.refresh(body, emu.now());
      ctx.logEntry.sso.ok = true;
      return sendJson(ctx.res, 200, out, { 'x-amzn-requestid': requestId() });
    } catch (e) {
      if (e && e.status && e.type) {
        ctx.logEntry.sso.error = e.type;
        return sendError(ctx, e.status, e.type, e.error, e.description);
      }
      throw e;
    }
  },

  faultResponse(ctx, fault) {
    sendError(ctx, fault.status, fault.code ?? (fault.status >= 500 ? 'InternalServerException' : 'SlowDownException'),
      fault.status >= 500 ? 'server_error' : 'slow_down', fault.message ?? `Injected fault (HTTP ${fault.status})`);
  },
};
