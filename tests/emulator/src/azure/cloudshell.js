'use strict';
// Azure Cloud Shell managed identity:
//   POST /cloudshell/token   form resource=…[&client_id=…]   header Metadata: true
// Clients reach it through MSI_ENDPOINT=http://127.0.0.1:PORT/cloudshell/token.

const { sendJson } = require('../util');
const { selectIdentity, checkResource, issueManagedToken, imdsBody } = require('./managed');
const { first } = require('./common');

const PATH_RE = /^\/cloudshell\/token\/?$/;

function csError(ctx, status, error, description, headers = {}) {
  ctx.logEntry.azure = { ...(ctx.logEntry.azure ?? {}), error };
  return sendJson(ctx.res, status, { error, error_description: description }, headers);
}

module.exports = {
  target: 'azure.cloudshell',
  counterNames: ['azure.cloudshell'],

  match(ctx) {
    return PATH_RE.test(ctx.rawPath);
  },

  counter() {
    return 'azure.cloudshell';
  },

  async handle(ctx, emu) {
    if (ctx.method !== 'POST') return csError(ctx, 405, 'method_not_allowed', `${ctx.method} is not allowed`, { allow: 'POST' });
    if ((ctx.headers.metadata ?? '').toLowerCase() !== 'true') return csError(ctx, 400, 'invalid_request', 'Required metadata header not specified');
    const form = ctx.form ?? {};
    const resource = first(form.resource);
    const bad = checkResource(resource);
    if (bad === 'missing') return csError(ctx, 400, 'invalid_request', "Required form field 'resource' is missing (send it form-encoded)");
    if (bad) return csError(ctx, 400, 'invalid_resource', bad);
    const { identity, error } = selectIdentity(emu, { client_id: first(form.client_id) });
    ctx.logEntry.azure = { identity: identity ? identity.client_id : null, resource };
    if (!identity) return csError(ctx, 400, 'invalid_request', error);
    const issued = issueManagedToken(emu, identity, resource, 'cloudshell');
    return sendJson(ctx.res, 200, imdsBody(issued, identity, resource));
  },

  faultResponse(ctx, fault) {
    const status = fault.status;
    const error = fault.code ?? (status >= 500 ? 'server_error' : 'invalid_request');
    return sendJson(ctx.res, status, { error, error_description: fault.message ?? `Injected fault (HTTP ${status})` }, fault.headers ?? {});
  },
};
