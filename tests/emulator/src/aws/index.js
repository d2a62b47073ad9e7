'use strict';
// The AWS provider of the emulator: its endpoint modules (targets), its state, its part of
// the configuration and its control routes. server.js mounts providers; Azure will be a
// sibling provider (src/azure/index.js) with the same shape.

const { IamState, parseRoleArn } = require('./iam');
const sts = require('./sts');
const imds = require('./imds');
const container = require('./container');
const echo = require('./echo');
const sso = require('./sso');
const ssoOidc = require('./sso_oidc');
const { SsoState } = require('./sso_sessions');

const IMDS_MODES = ['optional', 'required', 'v1-only', 'disabled'];

const nonNegInt = (max) => (v) => (Number.isInteger(v) && v >= 0 && v <= max ? null : `must be an integer in 0..${max}`);

module.exports = {
  name: 'aws',

  // Order matters only for overlapping paths (there are none).
  targets: [sts, imds, container, echo, sso, ssoOidc],

  createState() {
    return { iam: new IamState(), imdsTokens: new Map(), sso: new SsoState() };
  },

  /** Defaults of this provider's configuration keys. */
  configDefaults() {
    return {
      sts: { max_skew_seconds: 900 },
      imds: { mode: 'optional', role: 'llmauth-test-role', region: 'us-east-1' },
      container: { authorization: null, role_arn: 'arn:aws:iam::123456789012:role/llmauth-container-role' },
    };
  },

  /** Validators for each leaf, same tree shape as configDefaults(). */
  configSchema: {
    sts: { max_skew_seconds: nonNegInt(7 * 24 * 3600) },
    imds: {
      mode: (v) => (IMDS_MODES.includes(v) ? null : `must be one of ${IMDS_MODES.join(', ')}`),
      role: (v) => (v === null || (typeof v === 'string' && /^[\w+=,.@-]{1,64}$/.test(v)) ? null : 'must be a role name or null (no role attached)'),
      region: (v) => (typeof v === 'string' && /^[a-z0-9-]{1,32}$/.test(v) ? null : 'must be a region name'),
    },
    container: {
      authorization: (v) => (v === null || (typeof v === 'string' && v.length > 0) ? null : 'must be a non-empty string or null'),
      role_arn: (v) => (parseRoleArn(v) ? null : 'must be a role ARN'),
    },
  },

  controlRoutes: {
    'POST /__control/iam/users': (body, emu) => emu.state.aws.iam.addUser(body),
    'POST /__control/roles': (body, emu) => emu.state.aws.iam.addRole(body),
    'POST /__control/web-identity-tokens': (body, emu) => emu.state.aws.iam.addWebIdentityToken(body),
    'POST /__control/sso/sessions': (body, emu) => emu.state.aws.sso.mint(body, emu.now()),
    'POST /__control/sso/revoke': (body, emu) => emu.state.aws.sso.revoke(body),
  },
};
