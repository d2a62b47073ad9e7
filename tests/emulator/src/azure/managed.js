'use strict';
// What the managed-identity endpoints (IMDS, App Service, Cloud Shell, Azure Arc) share:
// choosing the identity (system-assigned, or a registered user-assigned one by client id,
// object id or resource id), checking the resource, and minting the token.

const { SYSTEM_ASSIGNED } = require('./directory');
const { mintAccessToken, first } = require('./common');

/**
 * Picks the identity for a request.
 * @param {object} sel {client_id?, object_id?, resource_id?} (at most one should be set)
 * @returns {{identity?:object, error?:string}}
 */
function selectIdentity(emu, sel) {
  const given = Object.entries(sel).filter(([, v]) => v !== undefined && v !== '');
  if (given.length > 1) return { error: `Only one of client_id, object_id or resource id may be given (got ${given.map(([k]) => k).join(', ')})` };
  if (given.length === 0) {
    if (!emu.config.azure.managed_identity.system_assigned) return { error: 'Identity not found' };
    return { identity: SYSTEM_ASSIGNED };
  }
  const identity = emu.state.azure.directory.findManagedIdentity(sel);
  return identity ? { identity } : { error: 'Identity not found' };
}

/** null when fine, else an error text (missing, or a v2 scope sent as a resource). */
function checkResource(resource) {
  if (resource === undefined || resource === '') return 'missing';
  if (/\/\.default$/.test(resource)) {
    return `AADSTS500011: The resource principal named ${resource} was not found in the tenant. Send the resource (the scope without '/.default').`;
  }
  return null;
}

/** Mints a managed-identity token. Returns {token, issuedAt, expiresAt, lifetime}. */
function issueManagedToken(emu, identity, resource, source) {
  const lifetime = emu.config.azure.managed_identity.token_lifetime_seconds;
  const r = mintAccessToken(emu, {
    tenantId: identity.tenant_id,
    clientId: identity.client_id,
    objectId: identity.object_id,
    resource,
    lifetimeSeconds: lifetime,
    source,
    identity: identity.kind === 'system-assigned' ? 'system-assigned' : identity.client_id,
    extraClaims: { xms_mirid: identity.resource_id, xms_az_rid: identity.resource_id },
  });
  return { ...r, lifetime };
}

/** The IMDS-style success body (IMDS, Cloud Shell, Arc): every number as a string. */
function imdsBody(issued, identity, resource, extra = {}) {
  return {
    access_token: issued.token,
    client_id: identity.client_id,
    expires_in: String(issued.lifetime),
    expires_on: String(issued.expiresAt),
    ext_expires_in: String(issued.lifetime),
    not_before: String(issued.issuedAt),
    resource,
    token_type: 'Bearer',
    ...extra,
  };
}

/** Reads a query parameter (first value). */
function q(ctx, name) {
  return first(ctx.query[name]);
}

module.exports = { selectIdentity, checkResource, issueManagedToken, imdsBody, q };
