'use strict';
// App Service / Azure Functions managed identity, API 2019-08-01:
//   GET /msi/token?api-version=2019-08-01&resource=…[&client_id=|&principal_id=|&object_id=|&mi_res_id=]
//   header X-IDENTITY-HEADER: <azure.app_service.identity_header>
// Clients reach it through IDENTITY_ENDPOINT=http://127.0.0.1:PORT/msi/token and
// IDENTITY_HEADER=<the header value>. Errors: {"statusCode","message","correlationId"}.

const crypto = require('node:crypto');
const { sendJson, safeEqual } = require('../util');
const { selectIdentity, checkResource, issueManagedToken, q } = require('./managed');

const PATH_RE = /^\/msi\/token\/?$/;

function asError(ctx, status, message, headers = {}) {
  ctx.logEntry.azure = { ...(ctx.logEntry.azure ?? {}), error: message };
  return sendJson(ctx.res, status, { statusCode: status, message, correlationId: crypto.randomUUID() }, headers);
}

module.exports = {
  target: 'azure.appservice',
  counterNames: ['azure.appservice'],

  match(ctx) {
    return PATH_RE.test(ctx.rawPath);
  },

  counter() {
    return 'azure.appservice';
  },

  async handle(ctx, emu) {
    const expected = emu.config.azure.app_service.identity_header;
    if (ctx.method !== 'GET') return asError(ctx, 405, `${ctx.method} is not allowed`, { allow: 'GET' });
    const got = ctx.headers['x-identity-header'];
    if (got === undefined) return asError(ctx, 401, 'The X-IDENTITY-HEADER header is missing.');
    if (!safeEqual(got, expected)) return asError(ctx, 403, 'The X-IDENTITY-HEADER header does not match the expected identity header.');
    const apiVersion = q(ctx, 'api-version');
    if (apiVersion !== '2019-08-01') {
      return asError(ctx, 400, `Invalid or missing api-version '${apiVersion ?? ''}': this endpoint implements 2019-08-01.`);
    }
    const resource = q(ctx, 'resource');
    const bad = checkResource(resource);
    if (bad === 'missing') return asError(ctx, 400, "Required query parameter 'resource' is missing.");
    if (bad) return asError(ctx, 400, bad);
    const sel = {
      client_id: q(ctx, 'client_id'),
      object_id: q(ctx, 'principal_id') || q(ctx, 'object_id'),
      resource_id: q(ctx, 'mi_res_id'),
    };
    const { identity, error } = selectIdentity(emu, sel);
    ctx.logEntry.azure = { identity: identity ? identity.client_id : null, resource };
    if (!identity) return asError(ctx, 400, error === 'Identity not found' ? 'Unable to load the proper Managed Identity. Identity not found.' : error);
    const issued = issueManagedToken(emu, identity, resource, 'appservice');
    return sendJson(ctx.res, 200, {
      access_token: issued.token,
      expires_on: String(issued.expiresAt),
      resource,
      token_type: 'Bearer',
      client_id: identity.client_id,
    });
  },

  faultResponse(ctx, fault) {
    return sendJson(ctx.res, fault.status, {
      statusCode: fault.status,
      message: fault.message ?? `Injected fault (HTTP ${fault.status})`,
      correlationId: crypto.randomUUID(),
    }, fault.headers ?? {});
  },
};
