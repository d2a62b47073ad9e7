'use strict';
// Entra ID (Azure AD) token endpoint, v2: POST /{tenant}/oauth2/v2.0/token (form-encoded),
// grant_type=client_credentials with a client secret, a certificate assertion or a federated
// assertion (workload identity). HTTPS only, as the real service: on the plain-HTTP port it
// answers 400 with an Entra-style error that says so.

const { sendJson, safeEqual } = require('../util');
const { verifyClientAssertion, describeAssertion } = require('./assertion');
const { sendEntraError, entraHeaders, httpsBase, resourceOfScope, mintAccessToken } = require('./common');

const TOKEN_PATH_RE = /^\/([^/]+)\/oauth2\/v2\.0\/token\/?$/;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

function tenantOf(ctx) {
  const m = TOKEN_PATH_RE.exec(ctx.rawPath);
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

/** The token URLs a client assertion may name as `aud` (lower case, no query). */
function acceptedAudiences(ctx, emu, tenantPath, app) {
  const hosts = new Set([new URL(httpsBase(ctx, emu)).host, new URL(emu.info.https).host]);
  const port = new URL(emu.info.https).port;
  hosts.add(`localhost:${port}`);
  hosts.add(`127.0.0.1:${port}`);
  const tenants = new Set([tenantPath, app.tenant_id]);
  const out = [];
  for (const h of hosts) for (const t of tenants) out.push(`https://${h}/${t}/oauth2/v2.0/token`.toLowerCase());
  return out;
}

function sendHttpsRequired(ctx, emu) {
  return sendEntraError(ctx, emu, 400, 'invalid_request', 0,
    `The Entra ID token endpoint is served over HTTPS only (like login.microsoftonline.com). Use ${emu.info.https}${ctx.rawPath} and trust the emulator's CA (emulator.json "ca").`);
}

module.exports = {
  target: 'azure.token',
  counterNames: ['azure.token'],

  match(ctx) {
    return TOKEN_PATH_RE.test(ctx.rawPath);
  },

  counter() {
    return 'azure.token';
  },

  async handle(ctx, emu) {
    const dir = emu.state.azure.directory;
    const cfg = emu.config.azure;
    if (ctx.scheme !== 'https') return sendHttpsRequired(ctx, emu);
    if (ctx.method !== 'POST') {
      return sendEntraError(ctx, emu, 400, 'invalid_request', 900561, `The endpoint only accepts POST, OPTIONS requests. Received a ${ctx.method} request.`);
    }
    const form = { ...(ctx.form ?? {}) };
    const tenant = tenantOf(ctx);
    // client_secret_basic: Authorization: Basic base64(urlencode(client_id):urlencode(secret))
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(ctx.headers.authorization ?? '');
    if (basic) {
      const dec = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = dec.indexOf(':');
      if (colon < 0) {
        return sendEntraError(ctx, emu, 401, 'invalid_client', 7000216, 'The Basic authorization header does not hold client_id:client_secret.');
      }
      const un = (x) => {
        try {
          return decodeURIComponent(x.replace(/\+/g, ' '));
        } catch {
          return x;
        }
      };
      const basicId = un(dec.slice(0, colon));
      if (form.client_id !== undefined && form.client_id !== basicId) {
        return sendEntraError(ctx, emu, 400, 'invalid_request', 9002313, 'Invalid request: client_id in the body differs from the one in the Basic authorization header.');
      }
      if (form.client_secret !== undefined) {
        return sendEntraError(ctx, emu, 400, 'invalid_request', 9002313, 'Invalid request: the client secret was sent both in the body and in the Basic authorization header.');
      }
      form.client_id = basicId;
      form.client_secret = un(dec.slice(colon + 1));
    }
    const log = (ctx.logEntry.azure = { tenant });
    if (form.client_assertion !== undefined) log.assertion = describeAssertion(form.client_assertion);

    if (!form.grant_type) {
      return sendEntraError(ctx, emu, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    }
    log.grant_type = form.grant_type;
    if (form.grant_type !== 'client_credentials') {
      return sendEntraError(ctx, emu, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${form.grant_type}'. The emulator implements client_credentials only.`);
    }
    if (!form.client_id) {
      return sendEntraError(ctx, emu, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    }
    log.client_id = form.client_id;
    if (!dir.hasTenant(tenant)) {
      return sendEntraError(ctx, emu, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`);
    }
    const app = dir.getApp(tenant, form.client_id);
    if (!app) {
      return sendEntraError(ctx, emu, 400, 'unauthorized_client', 700016, `Application with identifier '${form.client_id}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
    }

    // client authentication
    const hasSecret = form.client_secret !== undefined;
    const hasAssertion = form.client_assertion !== undefined;
    if (hasSecret && hasAssertion) {
      return sendEntraError(ctx, emu, 400, 'invalid_request', 9002313, 'Invalid request. Request is malformed or invalid: send either client_secret or client_assertion, not both.');
    }
    if (!hasSecret && !hasAssertion) {
      return sendEntraError(ctx, emu, 401, 'invalid_client', 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
    }
    let auth;
    if (hasSecret) {
      log.auth = basic ? 'client_secret_basic' : 'client_secret';
      if (!app.secrets.some((s) => safeEqual(s, form.client_secret))) {
        return sendEntraError(ctx, emu, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.client_id}'.`);
      }
      auth = { kind: 'client_secret' };
    } else {
      if (form.client_assertion_type === undefined) {
        return sendEntraError(ctx, emu, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_assertion_type'.");
      }
      if (form.client_assertion_type !== JWT_BEARER) {
        return sendEntraError(ctx, emu, 400, 'invalid_request', 50027, `Invalid client_assertion_type '${form.client_assertion_type}'; expected '${JWT_BEARER}'.`);
      }
      const r = verifyClientAssertion({
        assertion: form.client_assertion,
        app,
        directory: dir,
        audiences: acceptedAudiences(ctx, emu, tenant, app),
        nowS: Math.floor(emu.now() / 1000),
      });
      log.auth = r.ok ? r.kind : 'client_assertion';
      if (log.assertion && !log.assertion.jwt && r.ok && r.kind === 'federated') {
        // A non-JWT test token (such as emulator-federated-token) is no secret: log it.
        log.federated_token = form.client_assertion;
      }
      if (!r.ok) return sendEntraError(ctx, emu, r.status, r.error, r.code, r.text);
      auth = r;
      log.verified = r;
    }

    // scope
    if (!form.scope) {
      return sendEntraError(ctx, emu, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
    }
    const scopes = form.scope.split(/\s+/).filter((s) => s && !OIDC_SCOPES.has(s));
    log.scope = form.scope;
    if (scopes.length !== 1) {
      return sendEntraError(ctx, emu, 400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope '${form.scope}' is not valid: client credential flows take exactly one '<resource>/.default' scope.`);
    }
    const scope = scopes[0];
    if (!/^\S+\/\.default$/.test(scope)) {
      return sendEntraError(ctx, emu, 400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }

    const lifetime = cfg.token_lifetime_seconds;
    const issued = mintAccessToken(emu, {
      tenantId: app.tenant_id,
      clientId: app.client_id,
      objectId: app.object_id,
      resource: resourceOfScope(scope),
      scope,
      lifetimeSeconds: lifetime,
      source: 'entra',
      identity: app.client_id,
      extraClaims: { app_displayname: app.display_name },
      authKind: auth.kind,
    });
    log.auth_kind = auth.kind;
    const num = (n) => (cfg.expires_in_as_string ? String(n) : n);
    const body = {
      token_type: 'Bearer',
      expires_in: num(lifetime),
      ext_expires_in: num(lifetime),
    };
    if (cfg.refresh_in_seconds !== null) body.refresh_in = num(cfg.refresh_in_seconds);
    body.access_token = issued.token;
    return sendJson(ctx.res, 200, body, entraHeaders(ctx));
  },

  faultResponse(ctx, fault, emu) {
    const transient = fault.status === 429 || fault.status >= 500;
    return sendEntraError(
      ctx,
      emu,
      fault.status,
      fault.code ?? (transient ? 'temporarily_unavailable' : 'invalid_request'),
      transient && !fault.code ? 90033 : 0,
      fault.message ?? `Injected fault (HTTP ${fault.status}).`,
      fault.headers ?? {},
    );
  },

  sendHttpsRequired,
};
