'use strict';
// Azure Arc (hybrid instance metadata service, "himds") managed identity:
//   GET /arc/token?api-version=2019-11-01&resource=…  (also /arc/metadata/identity/oauth2/token;
//   api-version 2019-11-01 or later, MSAL sends 2020-06-01), header Metadata: true.
// Challenge: without Authorization the answer is 401 with
//   WWW-Authenticate: Basic realm=<arc_key_dir>/<random>.key
// after the emulator wrote a random secret into that file; the client retries with
// Authorization: Basic <file contents>. arc_key_dir (emulator.json) stands in for the agent's
// /var/opt/azcmagent/tokens folder. Clients reach it through IDENTITY_ENDPOINT=
// http://127.0.0.1:PORT/arc/token and IMDS_ENDPOINT=http://127.0.0.1:PORT.

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { sendJson, safeEqual } = require('../util');
const { selectIdentity, checkResource, issueManagedToken, imdsBody, q } = require('./managed');

const PATH_RE = /^\/arc\/(token|metadata\/identity\/oauth2\/token)\/?$/;

function arcError(ctx, status, error, description, headers = {}) {
  ctx.logEntry.azure = { ...(ctx.logEntry.azure ?? {}), error };
  return sendJson(ctx.res, status, { error, error_description: description }, headers);
}

function challenge(ctx, emu, why) {
  const dir = emu.arcKeyDir;
  if (!dir) return arcError(ctx, 500, 'server_error', 'the emulator has no Arc key folder (started without a state dir)');
  const secret = crypto.randomBytes(32).toString('hex');
  const file = path.join(dir, `${crypto.randomUUID()}.key`);
  fs.writeFileSync(file, secret, { mode: 0o600 });
  emu.state.azure.directory.arcSecrets.add(secret);
  ctx.logEntry.azure = { ...(ctx.logEntry.azure ?? {}), challenge: file };
  return arcError(ctx, 401, 'unauthorized', why, { 'www-authenticate': `Basic realm=${file}` });
}

module.exports = {
  target: 'azure.arc',
  counterNames: ['azure.arc'],

  match(ctx) {
    return PATH_RE.test(ctx.rawPath);
  },

  counter() {
    return 'azure.arc';
  },

  async handle(ctx, emu) {
    if (ctx.method !== 'GET') return arcError(ctx, 405, 'method_not_allowed', `${ctx.method} is not allowed`, { allow: 'GET' });
    if ((ctx.headers.metadata ?? '').toLowerCase() !== 'true') return arcError(ctx, 400, 'invalid_request', 'Required metadata header not specified');
    const apiVersion = q(ctx, 'api-version');
    if (!apiVersion || !/^\d{4}-\d{2}-\d{2}$/.test(apiVersion) || apiVersion < '2019-11-01') {
      return arcError(ctx, 400, 'invalid_request', `Invalid or missing api-version '${apiVersion ?? ''}' (2019-11-01 or later)`);
    }
    const resource = q(ctx, 'resource');
    const bad = checkResource(resource);
    if (bad === 'missing') return arcError(ctx, 400, 'invalid_request', "Required query variable 'resource' is missing");
    if (bad) return arcError(ctx, 400, 'invalid_resource', bad);

    const auth = ctx.headers.authorization;
    if (auth === undefined) return challenge(ctx, emu, 'Authorization required: read the file named in WWW-Authenticate and send its contents as Basic credentials');
    const m = /^Basic (.+)$/.exec(auth);
    const secrets = emu.state.azure.directory.arcSecrets;
    if (!m || ![...secrets].some((s) => safeEqual(s, m[1].trim()))) {
      return challenge(ctx, emu, 'The Basic credentials do not match a key file written by this agent');
    }
    const msiRes = q(ctx, 'msi_res_id') || q(ctx, 'mi_res_id');
    const sel = { client_id: q(ctx, 'client_id'), object_id: q(ctx, 'object_id'), resource_id: msiRes };
    const { identity, error } = selectIdentity(emu, sel);
    ctx.logEntry.azure = { ...(ctx.logEntry.azure ?? {}), identity: identity ? identity.client_id : null, resource };
    if (!identity) return arcError(ctx, 400, 'invalid_request', error);
    const issued = issueManagedToken(emu, identity, resource, 'arc');
    // Arc echoes the user-assigned selector it honoured (MSAL checks it).
    const extra = {};
    if (sel.client_id) extra.client_id = identity.client_id;
    if (sel.object_id) extra.object_id = identity.object_id;
    if (sel.resource_id) extra.msi_res_id = identity.resource_id;
    return sendJson(ctx.res, 200, imdsBody(issued, identity, resource, extra));
  },

  faultResponse(ctx, fault) {
    const status = fault.status;
    const error = fault.code ?? (status >= 500 ? 'server_error' : 'invalid_request');
    return sendJson(ctx.res, status, { error, error_description: fault.message ?? `Injected fault (HTTP ${status})` }, fault.headers ?? {});
  },
};
