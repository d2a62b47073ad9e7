'use strict';
// Entra ID metadata that MSAL-based clients read before they ask for a token (HTTPS only):
//   GET /{tenant}/v2.0/.well-known/openid-configuration   OpenID Connect discovery
//   GET /common/discovery/instance?api-version=1.1&authorization_endpoint=…   instance discovery
//   GET /{tenant}/discovery/v2.0/keys                      JWKS (empty: issued tokens are
//                                                          checked against the token registry)
// Every URL in them points back at the emulator's https base (the Host the client used).

const { sendJson } = require('../util');
const { sendEntraError, entraHeaders, httpsBase } = require('./common');
const { sendHttpsRequired } = require('./entra');

const OIDC_RE = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration\/?$/;
const INSTANCE_RE = /^\/(common|organizations|consumers)\/discovery\/instance\/?$/;
const KEYS_RE = /^\/([^/]+)\/discovery\/v2\.0\/keys\/?$/;
const GENERIC_TENANTS = new Set(['common', 'organizations', 'consumers']);

function route(ctx) {
  if (OIDC_RE.test(ctx.rawPath)) return 'openid-configuration';
  if (INSTANCE_RE.test(ctx.rawPath)) return 'instance';
  if (KEYS_RE.test(ctx.rawPath)) return 'keys';
  return null;
}

function openIdConfiguration(base, tenant) {
  const t = tenant;
  const issuerTenant = GENERIC_TENANTS.has(tenant) ? '{tenantid}' : tenant;
  return {
    token_endpoint: `${base}/${t}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/${t}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/${issuerTenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${base}/oidc/userinfo`,
    authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/${t}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/${t}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
    kerberos_endpoint: `${base}/${t}/kerberos`,
    tenant_region_scope: null,
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

module.exports = {
  target: 'azure.discovery',
  counterNames: ['azure.discovery'],

  match(ctx) {
    return route(ctx) !== null;
  },

  counter() {
    return 'azure.discovery';
  },

  async handle(ctx, emu) {
    if (ctx.scheme !== 'https') return sendHttpsRequired(ctx, emu);
    if (ctx.method !== 'GET') {
      return sendEntraError(ctx, emu, 400, 'invalid_request', 900561, `The endpoint only accepts GET requests. Received a ${ctx.method} request.`);
    }
    const base = httpsBase(ctx, emu);
    const dir = emu.state.azure.directory;
    const r = route(ctx);
    if (r === 'instance') {
      const host = new URL(base).host;
      const port = new URL(base).port;
      let tenant = 'common';
      const ae = ctx.query.authorization_endpoint;
      if (typeof ae === 'string') {
        const m = /^https:\/\/[^/]+\/([^/]+)\//i.exec(ae);
        if (m) tenant = m[1];
      }
      return sendJson(ctx.res, 200, {
        tenant_discovery_endpoint: `${base}/${tenant}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [
          {
            preferred_network: host,
            preferred_cache: host,
            aliases: [...new Set([host, `127.0.0.1:${port}`, `localhost:${port}`])],
          },
        ],
      }, entraHeaders(ctx));
    }
    const raw = (OIDC_RE.exec(ctx.rawPath) ?? KEYS_RE.exec(ctx.rawPath))[1];
    let tenant;
    try {
      tenant = decodeURIComponent(raw);
    } catch {
      tenant = raw;
    }
    if (!GENERIC_TENANTS.has(tenant) && !dir.hasTenant(tenant)) {
      return sendEntraError(ctx, emu, 400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    if (r === 'keys') return sendJson(ctx.res, 200, { keys: [] }, entraHeaders(ctx));
    return sendJson(ctx.res, 200, openIdConfiguration(base, tenant), entraHeaders(ctx));
  },

  faultResponse(ctx, fault, emu) {
    return sendEntraError(ctx, emu, fault.status, fault.code ?? (fault.status >= 500 || fault.status === 429 ? 'temporarily_unavailable' : 'invalid_request'), 0,
      fault.message ?? `Injected fault (HTTP ${fault.status}).`, fault.headers ?? {});
  },
};
