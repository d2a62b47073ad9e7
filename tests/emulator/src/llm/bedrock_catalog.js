'use strict';
// What the emulated Bedrock runtime knows: foundation model ids (and so the cross-region
// inference profiles and ARNs that name them) and long-term Bedrock API keys.

const { HttpError, isPlainObject } = require('../util');

const DEFAULT_MODELS = Object.freeze([
  'anthropic.claude-3-haiku-20240307-v1:0',
  'anthropic.claude-3-5-sonnet-20241022-v2:0',
  'anthropic.claude-3-7-sonnet-20250219-v1:0',
  'amazon.nova-lite-v1:0',
  'amazon.nova-pro-v1:0',
  'meta.llama3-1-8b-instruct-v1:0',
]);
// Geography prefixes of system-defined cross-region inference profiles.
const PROFILE_PREFIXES = ['us', 'eu', 'apac', 'us-gov', 'jp', 'au', 'ca', 'global'];
const ACCOUNT = '123456789012';
// ABSK + base64("BedrockAPIKey-emulator-at-123456789012:emulator-long-term-secret"): the shape of a
// long-term key as the console shows it. To the emulator it is an opaque string.
const DEFAULT_LONG_TERM_KEY = 'ABSK' + Buffer.from(`BedrockAPIKey-emulator-at-${ACCOUNT}:emulator-long-term-secret`).toString('base64');
const MODEL_ID_RE = /^[a-z0-9-]+\.[\w.:-]{1,200}$/;
const ARN_RE = /^arn:aws(?:-[a-z-]+)?:bedrock:([a-z0-9-]+):(\d{12})?:(foundation-model|inference-profile)\/(.+)$/;

function onlyFields(body, fields) {
  if (!isPlainObject(body)) throw new HttpError(400, 'body must be a JSON object');
  for (const k of Object.keys(body)) if (!fields.includes(k)) throw new HttpError(400, `unknown field '${k}'`);
}

class BedrockCatalog {
  constructor() {
    this.models = new Set(DEFAULT_MODELS);
    this.apiKeys = new Map(); // key → {key_id, account_id, user_name, arn}
    this.addApiKey({ key: DEFAULT_LONG_TERM_KEY, key_id: 'emulator-long-term-key', user_name: 'BedrockAPIKey-emulator' });
  }

  /** {"model_id"} → {"model_id","profiles":[…]} */
  addModel(body) {
    onlyFields(body, ['model_id']);
    if (typeof body.model_id !== 'string' || !MODEL_ID_RE.test(body.model_id)) throw new HttpError(400, 'model_id must look like provider.name[:version], e.g. anthropic.claude-3-haiku-20240307-v1:0');
    this.models.add(body.model_id);
    return { model_id: body.model_id, profiles: PROFILE_PREFIXES.map((p) => `${p}.${body.model_id}`) };
  }

  /**
   * What a (decoded) model id names: {kind:'foundation-model'|'inference-profile', model, region?,
   * account?} or null when unknown.
   */
  resolve(id) {
    if (this.models.has(id)) return { kind: 'foundation-model', model: id };
    const profile = this.resolveProfile(id);
    if (profile) return profile;
    const m = ARN_RE.exec(id);
    if (!m) return null;
    const [, region, account, type, rest] = m;
    if (type === 'foundation-model') {
      return !account && this.models.has(rest) ? { kind: 'foundation-model', model: rest, region } : null;
    }
    const p = account ? this.resolveProfile(rest) : null;
    return p ? { ...p, region, account } : null;
  }

  resolveProfile(id) {
    const dot = id.indexOf('.');
    if (dot < 0) return null;
    const prefix = id.slice(0, dot);
    const model = id.slice(dot + 1);
    return PROFILE_PREFIXES.includes(prefix) && this.models.has(model) ? { kind: 'inference-profile', model, profile: id } : null;
  }

  /** {"key","key_id"?,"account_id"?,"user_name"?} → {"key_id","arn"} */
  addApiKey(body) {
    onlyFields(body, ['key', 'key_id', 'account_id', 'user_name']);
    if (typeof body.key !== 'string' || !/^[\x21-\x7e]{16,4096}$/.test(body.key) || body.key.startsWith('bedrock-api-key-')) {
      throw new HttpError(400, 'key must be 16..4096 printable ASCII characters without spaces, not starting with bedrock-api-key- (short-term keys are verified, not registered)');
    }
    const keyId = body.key_id ?? `long-term-key-${this.apiKeys.size + 1}`;
    if (typeof keyId !== 'string' || !/^[\w.-]{1,64}$/.test(keyId)) throw new HttpError(400, 'key_id must be 1..64 characters of [A-Za-z0-9_.-]');
    const accountId = body.account_id ?? ACCOUNT;
    if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) throw new HttpError(400, 'account_id must be 12 digits');
    const userName = body.user_name ?? `BedrockAPIKey-${keyId}`;
    if (typeof userName !== 'string' || !/^[\w+=,.@-]{1,64}$/.test(userName)) throw new HttpError(400, 'user_name must match [\\w+=,.@-]{1,64}');
    const rec = { key_id: keyId, account_id: accountId, user_name: userName, arn: `arn:aws:iam::${accountId}:user/${userName}` };
    this.apiKeys.set(body.key, rec);
    return { key_id: keyId, arn: rec.arn };
  }

  apiKey(key) {
    return this.apiKeys.get(key) ?? null;
  }
}

module.exports = { BedrockCatalog, DEFAULT_MODELS, DEFAULT_LONG_TERM_KEY, PROFILE_PREFIXES };
