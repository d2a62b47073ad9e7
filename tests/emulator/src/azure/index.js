'use strict';
// The Azure provider of the emulator: Entra ID token endpoint and metadata (HTTPS only),
// managed identity endpoints (Azure IMDS, App Service, Cloud Shell, Azure Arc), the directory
// (apps, federated tokens, managed identities) and the registry of issued access tokens.
//
// Other modules (the Azure OpenAI endpoint of issue #4) check a bearer token with
//   require('./azure').lookupToken(emu, token)  → null | {source, tenant_id, client_id, identity,
//                                                         scope, resource, issued_at, expires_at, expired}

const fs = require('node:fs');
const path = require('node:path');
const { AzureDirectory } = require('./directory');
const entra = require('./entra');
const discovery = require('./discovery');
const imds = require('./imds');
const appservice = require('./appservice');
const cloudshell = require('./cloudshell');
const arc = require('./arc');

const IMDS_MODES = ['available', 'absent', 'not-found', 'slow'];

const intIn = (lo, hi) => (v) => (Number.isInteger(v) && v >= lo && v <= hi ? null : `must be an integer in ${lo}..${hi}`);

function lookupToken(emu, token) {
  return emu.state.azure.directory.lookupToken(token, emu.now());
}

module.exports = {
  name: 'azure',

  targets: [entra, discovery, imds, appservice, cloudshell, arc],

  createState() {
    return { directory: new AzureDirectory() };
  },

  configDefaults() {
    return {
      azure: {
        token_lifetime_seconds: 3599,
        refresh_in_seconds: null,
        expires_in_as_string: false,
        managed_identity: { token_lifetime_seconds: 86399, system_assigned: true },
        imds: { mode: 'available', slow_ms: 5000 },
        app_service: { identity_header: 'emulator-identity-header' },
      },
    };
  },

  configSchema: {
    azure: {
      token_lifetime_seconds: intIn(1, 7 * 24 * 3600),
      refresh_in_seconds: (v) => (v === null || (Number.isInteger(v) && v >= 0 && v <= 7 * 24 * 3600) ? null : 'must be null (omitted) or an integer in 0..604800'),
      expires_in_as_string: (v) => (typeof v === 'boolean' ? null : 'must be a boolean'),
      managed_identity: {
        token_lifetime_seconds: intIn(1, 7 * 24 * 3600),
        system_assigned: (v) => (typeof v === 'boolean' ? null : 'must be a boolean'),
      },
      imds: {
        mode: (v) => (IMDS_MODES.includes(v) ? null : `must be one of ${IMDS_MODES.join(', ')}`),
        slow_ms: intIn(0, 600000),
      },
      app_service: {
        identity_header: (v) => (typeof v === 'string' && v.length > 0 && !/[\r\n]/.test(v) ? null : 'must be a non-empty string'),
      },
    },
  },

  controlRoutes: {
    'POST /__control/azure/apps': (body, emu) => emu.state.azure.directory.addApp(body),
    'POST /__control/azure/federated-tokens': (body, emu) => emu.state.azure.directory.addFederatedToken(body),
    'POST /__control/azure/managed-identities': (body, emu) => emu.state.azure.directory.addManagedIdentity(body),
    'POST /__control/azure/tokens': (body, emu) => emu.state.azure.directory.registerExternalToken(body, emu.now()),
    'POST /__control/azure/tokens/lookup': (body, emu) => {
      const r = lookupToken(emu, body && body.token);
      if (!r) return { known: false };
      const { token: _t, ...rest } = r;
      return { known: true, ...rest };
    },
  },

  /** Called once by startEmulator: makes the Arc key folder; returns fields for emulator.json. */
  start(emu, { stateDir }) {
    const dir = path.join(stateDir, 'arc-tokens');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    emu.arcKeyDir = dir;
    return { arc_key_dir: dir };
  },

  lookupToken,
};
