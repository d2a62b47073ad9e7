'use strict';
// The emulated Entra ID directory: tenants and app registrations (secrets, certificates,
// federated credentials), accepted federated tokens, managed identities, and the registry of
// every access token the emulator issued (or that a fake CLI registered), so that a later
// endpoint (Azure OpenAI, issue #4) can check a bearer token: lookupToken().

const crypto = require('node:crypto');
const { HttpError, isPlainObject } = require('../util');

const DEFAULT_TENANT_ID = '00000000-0000-0000-0000-000000000001';
const DEFAULT_CLIENT_ID = '11111111-1111-1111-1111-111111111111';
const DEFAULT_CLIENT_SECRET = 'emulator-client-secret';
const DEFAULT_FEDERATED_TOKEN = 'emulator-federated-token';
const DEFAULT_FEDERATED_CREDENTIAL = {
  issuer: 'https://oidc.emulator.test',
  subject: 'system:serviceaccount:default:llmauth-test',
  audience: 'api://AzureADTokenExchange',
};
const SUBSCRIPTION = '00000000-0000-0000-0000-0000000000aa';
const SYSTEM_ASSIGNED = {
  client_id: '22222222-2222-2222-2222-222222222222',
  object_id: '33333333-3333-3333-3333-333333333333',
  resource_id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/llmauth-test/providers/Microsoft.Compute/virtualMachines/llmauth-test-vm`,
  tenant_id: DEFAULT_TENANT_ID,
  kind: 'system-assigned',
};
const DEFAULT_USER_ASSIGNED = {
  client_id: '44444444-4444-4444-4444-444444444444',
  object_id: '55555555-5555-5555-5555-555555555555',
  resource_id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/llmauth-test/providers/Microsoft.ManagedIdentity/userAssignedIdentities/llmauth-test-identity`,
  tenant_id: DEFAULT_TENANT_ID,
  kind: 'user-assigned',
};

const MAX_TOKENS = 100000;
const ID_RE = /^[A-Za-z0-9][\w.-]{0,127}$/;

function parseCertificates(pem) {
  const blocks = String(pem).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) throw new HttpError(400, 'certificate_pem must hold at least one PEM certificate');
  return blocks.map((b) => {
    let x509;
    try {
      x509 = new crypto.X509Certificate(b);
    } catch (e) {
      throw new HttpError(400, `certificate_pem: ${e.message}`);
    }
    if (x509.publicKey.asymmetricKeyType !== 'rsa') throw new HttpError(400, 'certificate_pem: only RSA certificates are supported (as by Entra ID)');
    const der = x509.raw;
    return {
      der,
      publicKey: x509.publicKey,
      x5t: crypto.createHash('sha1').update(der).digest('base64url'),
      x5tS256: crypto.createHash('sha256').update(der).digest('base64url'),
      thumbprint: crypto.createHash('sha1').update(der).digest('hex').toUpperCase(),
      subject: x509.subject,
    };
  });
}

function str(v, name, { optional = false, re } = {}) {
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096) throw new HttpError(400, `${name} must be a non-empty string`);
  if (re && !re.test(v)) throw new HttpError(400, `${name} is not valid`);
  return v;
}

class AzureDirectory {
  constructor() {
    this.apps = new Map(); // "tenant|client" (lower case) → app
    this.federatedTokens = []; // {token, tenant_id?, client_id?}
    this.identities = []; // user-assigned managed identities
    this.tokens = new Map(); // access token → record
    this.arcSecrets = new Set();
    this.addApp({
      tenant_id: DEFAULT_TENANT_ID,
      client_id: DEFAULT_CLIENT_ID,
      client_secret: DEFAULT_CLIENT_SECRET,
      display_name: 'llmauth-test-app',
      federated_credentials: [DEFAULT_FEDERATED_CREDENTIAL],
    });
    this.addFederatedToken({ token: DEFAULT_FEDERATED_TOKEN });
    this.addManagedIdentity(DEFAULT_USER_ASSIGNED);
  }

  // ---- apps -------------------------------------------------------------------------------------

  /**
   * {"tenant_id","client_id","client_secret"?|"client_secrets"?:[…],"certificate_pem"?,
   *  "federated_credentials"?:[{"issuer","subject","audience"?}],"display_name"?}
   * Replaces an app with the same tenant and client id.
   */
  addApp(body) {
    if (!isPlainObject(body)) throw new HttpError(400, 'app must be a JSON object');
    const known = new Set(['tenant_id', 'client_id', 'client_secret', 'client_secrets', 'certificate_pem', 'federated_credentials', 'display_name', 'object_id']);
    for (const k of Object.keys(body)) if (!known.has(k)) throw new HttpError(400, `unknown app field '${k}'`);
    const tenantId = str(body.tenant_id, 'tenant_id', { re: ID_RE });
    const clientId = str(body.client_id, 'client_id', { re: ID_RE });
    const secrets = [];
    if (body.client_secret !== undefined && body.client_secret !== null) secrets.push(str(body.client_secret, 'client_secret'));
    if (body.client_secrets !== undefined) {
      if (!Array.isArray(body.client_secrets)) throw new HttpError(400, 'client_secrets must be an array of strings');
      for (const s of body.client_secrets) secrets.push(str(s, 'client_secrets[]'));
    }
    let certificates = [];
    if (body.certificate_pem !== undefined && body.certificate_pem !== null) {
      const pems = Array.isArray(body.certificate_pem) ? body.certificate_pem : [body.certificate_pem];
      certificates = pems.flatMap((p) => parseCertificates(str(p, 'certificate_pem')));
    }
    const federated = [];
    if (body.federated_credentials !== undefined) {
      if (!Array.isArray(body.federated_credentials)) throw new HttpError(400, 'federated_credentials must be an array');
      for (const f of body.federated_credentials) {
        if (!isPlainObject(f)) throw new HttpError(400, 'a federated credential must be an object');
        federated.push({
          issuer: str(f.issuer, 'federated_credentials[].issuer'),
          subject: str(f.subject, 'federated_credentials[].subject'),
          audience: str(f.audience ?? 'api://AzureADTokenExchange', 'federated_credentials[].audience'),
        });
      }
    }
    const app = {
      tenant_id: tenantId,
      client_id: clientId,
      object_id: body.object_id === undefined ? crypto.randomUUID() : str(body.object_id, 'object_id', { re: ID_RE }),
      display_name: body.display_name === undefined ? `app-${clientId}` : str(body.display_name, 'display_name'),
      secrets,
      certificates,
      federated_credentials: federated,
    };
    this.apps.set(`${tenantId.toLowerCase()}|${clientId.toLowerCase()}`, app);
    return this.describeApp(app);
  }

  describeApp(app) {
    return {
      tenant_id: app.tenant_id,
      client_id: app.client_id,
      object_id: app.object_id,
      display_name: app.display_name,
      client_secrets: app.secrets.length,
      certificates: app.certificates.map((c) => ({ thumbprint: c.thumbprint, x5t: c.x5t, 'x5t#S256': c.x5tS256, subject: c.subject })),
      federated_credentials: app.federated_credentials,
    };
  }

  hasTenant(tenantId) {
    const t = String(tenantId).toLowerCase();
    for (const app of this.apps.values()) if (app.tenant_id.toLowerCase() === t) return true;
    return false;
  }

  getApp(tenantId, clientId) {
    return this.apps.get(`${String(tenantId).toLowerCase()}|${String(clientId).toLowerCase()}`) ?? null;
  }

  // ---- federated tokens -------------------------------------------------------------------------------

  /** {"token","tenant_id"?,"client_id"?}: an exact assertion accepted for that app (or any app). */
  addFederatedToken(body) {
    if (!isPlainObject(body)) throw new HttpError(400, 'body must be a JSON object');
    const entry = {
      token: str(body.token, 'token'),
      tenant_id: str(body.tenant_id, 'tenant_id', { optional: true }),
      client_id: str(body.client_id, 'client_id', { optional: true }),
    };
    this.federatedTokens.push(entry);
    return { accepted: true, tenant_id: entry.tenant_id ?? null, client_id: entry.client_id ?? null };
  }

  federatedTokenAccepted(token, app) {
    return this.federatedTokens.some(
      (f) =>
        f.token === token &&
        (f.tenant_id === undefined || f.tenant_id.toLowerCase() === app.tenant_id.toLowerCase()) &&
        (f.client_id === undefined || f.client_id.toLowerCase() === app.client_id.toLowerCase()),
    );
  }

  // ---- managed identities -----------------------------------------------------------------------------

  /** {"client_id","object_id"?,"resource_id"?,"tenant_id"?}: a user-assigned identity. */
  addManagedIdentity(body) {
    if (!isPlainObject(body)) throw new HttpError(400, 'body must be a JSON object');
    const clientId = str(body.client_id, 'client_id', { re: ID_RE });
    const name = `uami-${clientId.slice(0, 8)}`;
    const id = {
      client_id: clientId,
      object_id: body.object_id === undefined ? crypto.randomUUID() : str(body.object_id, 'object_id', { re: ID_RE }),
      resource_id:
        body.resource_id === undefined
          ? `/subscriptions/${SUBSCRIPTION}/resourceGroups/llmauth-test/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`
          : str(body.resource_id, 'resource_id', { re: /^\/subscriptions\/\S+$/i }),
      tenant_id: body.tenant_id === undefined ? DEFAULT_TENANT_ID : str(body.tenant_id, 'tenant_id', { re: ID_RE }),
      kind: 'user-assigned',
    };
    this.identities = this.identities.filter((x) => x.client_id.toLowerCase() !== clientId.toLowerCase());
    this.identities.push(id);
    return { ...id };
  }

  /**
   * Finds a user-assigned identity by one selector.
   * @param {{client_id?:string, object_id?:string, resource_id?:string}} sel
   */
  findManagedIdentity(sel) {
    const eq = (a, b) => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
    return (
      this.identities.find(
        (i) => (sel.client_id && eq(i.client_id, sel.client_id)) || (sel.object_id && eq(i.object_id, sel.object_id)) || (sel.resource_id && eq(i.resource_id, sel.resource_id)),
      ) ?? null
    );
  }

  // ---- token registry ---------------------------------------------------------------------------------------

  /** Registers an issued token: {token, source, tenant_id, client_id, object_id, identity, scope, resource, issued_at, expires_at}. */
  registerToken(record) {
    this.tokens.set(record.token, record);
    if (this.tokens.size > MAX_TOKENS) this.tokens.delete(this.tokens.keys().next().value);
  }

  /** Control API: {"token","source"?,"tenant_id"?,"client_id"?,"scope"?,"resource"?,"expires_on"?|"expires_in"?}. */
  registerExternalToken(body, nowMs) {
    if (!isPlainObject(body)) throw new HttpError(400, 'body must be a JSON object');
    const token = str(body.token, 'token');
    const now = Math.floor(nowMs / 1000);
    let expiresAt = now + 3600;
    if (body.expires_on !== undefined) {
      if (!Number.isInteger(body.expires_on)) throw new HttpError(400, 'expires_on must be epoch seconds (integer)');
      expiresAt = body.expires_on;
    } else if (body.expires_in !== undefined) {
      if (!Number.isInteger(body.expires_in)) throw new HttpError(400, 'expires_in must be an integer');
      expiresAt = now + body.expires_in;
    }
    const scope = str(body.scope, 'scope', { optional: true });
    const resource = str(body.resource, 'resource', { optional: true }) ?? (scope ? scope.replace(/\/\.default$/, '') : undefined);
    const record = {
      token,
      source: str(body.source, 'source', { optional: true }) ?? 'external',
      tenant_id: str(body.tenant_id, 'tenant_id', { optional: true }) ?? DEFAULT_TENANT_ID,
      client_id: str(body.client_id, 'client_id', { optional: true }) ?? null,
      object_id: null,
      identity: null,
      scope: scope ?? (resource ? `${resource}/.default` : null),
      resource: resource ?? null,
      issued_at: now,
      expires_at: expiresAt,
    };
    record.identity = str(body.identity, 'identity', { optional: true }) ?? record.client_id ?? record.source;
    this.registerToken(record);
    const { token: _omit, ...described } = record;
    return { registered: true, ...described };
  }

  /**
   * Looks a bearer token up. Returns null for a token the emulator never issued or registered,
   * else a copy of its record plus `expired` (boolean) at nowMs.
   */
  lookupToken(token, nowMs) {
    const r = typeof token === 'string' ? this.tokens.get(token) : undefined;
    if (!r) return null;
    return { ...r, expired: Math.floor(nowMs / 1000) >= r.expires_at };
  }
}

module.exports = {
  AzureDirectory,
  DEFAULT_TENANT_ID,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_FEDERATED_TOKEN,
  DEFAULT_FEDERATED_CREDENTIAL,
  SYSTEM_ASSIGNED,
  DEFAULT_USER_ASSIGNED,
  SUBSCRIPTION,
};
