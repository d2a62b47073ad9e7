'use strict';
// Azure Instance Metadata Service, managed identity token:
//   GET /metadata/identity/oauth2/token[/]?api-version=2018-02-01&resource=…
//       [&client_id=… | &object_id=… | &msi_res_id=… | &mi_res_id=…]   with header Metadata: true
// Clients reach it through AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:PORT (or the C++
// side's endpoint option). azure.imds.mode: available | absent | not-found | slow.

const { sendJson } = require('../util');
const { sleep } = require('./common');
const { selectIdentity, checkResource, issueManagedToken, imdsBody, q } = require('./managed');

const TOKEN_RE = /^\/metadata\/identity\/oauth2\/token\/?$/;

function imdsError(ctx, status, error, description, headers = {}) {
  ctx.logEntry.azure = { ...(ctx.logEntry.azure ?? {}), error };
  return sendJson(ctx.res, status, { error, error_description: description }, headers);
}

module.exports = {
  target: 'azure.imds',
  counterNames: ['azure.imds', 'azure.imds.other'],

  match(ctx) {
    return ctx.rawPath === '/metadata' || ctx.rawPath.startsWith('/metadata/');
  },

  counter(ctx) {
    return TOKEN_RE.test(ctx.rawPath) ? 'azure.imds' : 'azure.imds.other';
  },

  async handle(ctx, emu) {
    const cfg = emu.config.azure.imds;
    if (cfg.mode === 'absent') {
      ctx.req.socket.destroy();
      return undefined;
    }
    if (cfg.mode === 'not-found') return imdsError(ctx, 404, 'not_found', 'No Azure IMDS here (azure.imds.mode = not-found)');
    if (cfg.mode === 'slow') {
      await sleep(cfg.slow_ms, ctx.res);
      if (ctx.res.destroyed || ctx.res.writableEnded) return undefined;
    }
    if (!TOKEN_RE.test(ctx.rawPath)) return imdsError(ctx, 404, 'not_found', `Not found: ${ctx.rawPath} (the emulator serves only the identity token endpoint)`);
    if (ctx.method !== 'GET') return imdsError(ctx, 405, 'method_not_allowed', `${ctx.method} is not allowed`, { allow: 'GET' });
    if ((ctx.headers.metadata ?? '').toLowerCase() !== 'true') {
      return imdsError(ctx, 400, 'invalid_request', 'Required metadata header not specified');
    }
    if (ctx.headers['x-forwarded-for'] !== undefined) {
      return imdsError(ctx, 400, 'invalid_request', 'Request contains X-Forwarded-For header, which IMDS does not accept');
    }
    const apiVersion = q(ctx, 'api-version');
    if (!apiVersion) return imdsError(ctx, 400, 'invalid_request', "Required query variable 'api-version' is missing");
    if (!/^\d{4}-\d{2}-\d{2}$/.test(apiVersion) || apiVersion < '2018-02-01') {
      return imdsError(ctx, 400, 'invalid_request', `Invalid api-version '${apiVersion}' for the identity endpoint (2018-02-01 or later)`);
    }
    const resource = q(ctx, 'resource');
    const bad = checkResource(resource);
    if (bad === 'missing') return imdsError(ctx, 400, 'invalid_request', "Required query variable 'resource' is missing");
    if (bad) return imdsError(ctx, 400, 'invalid_resource', bad);
    const msiRes = q(ctx, 'msi_res_id');
    const miRes = q(ctx, 'mi_res_id');
    const sel = { client_id: q(ctx, 'client_id'), object_id: q(ctx, 'object_id'), resource_id: msiRes || miRes };
    if (msiRes && miRes) return imdsError(ctx, 400, 'invalid_request', 'Only one of msi_res_id and mi_res_id may be given');
    const { identity, error } = selectIdentity(emu, sel);
    ctx.logEntry.azure = { identity: identity ? identity.client_id : null, resource };
    if (!identity) return imdsError(ctx, 400, 'invalid_request', error);
    const issued = issueManagedToken(emu, identity, resource, 'imds');
    return sendJson(ctx.res, 200, imdsBody(issued, identity, resource));
  },

  faultResponse(ctx, fault) {
    const status = fault.status;
    const error = fault.code ?? (status === 429 ? 'too_many_requests' : status >= 500 ? 'server_error' : 'invalid_request');
    return sendJson(ctx.res, status, { error, error_description: fault.message ?? `Injected fault (HTTP ${status})` }, fault.headers ?? {});
  },
};
