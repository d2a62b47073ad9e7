'use strict';
// The emulated Azure OpenAI resource: its API keys, its deployments (deployment name → model)
// and the principals that Entra-authenticated calls are refused for (RBAC "PermissionDenied").

const { HttpError, isPlainObject } = require('../util');

const DEFAULT_API_KEYS = Object.freeze([
  { key: 'emulator-azure-openai-key-1', key_id: 'key1' },
  { key: 'emulator-azure-openai-key-2', key_id: 'key2' },
]);
const DEFAULT_DEPLOYMENTS = Object.freeze([
  { name: 'gpt-4o', model: 'gpt-4o-2024-11-20' },
  { name: 'gpt-4o-mini', model: 'gpt-4o-mini-2024-07-18' },
]);
const KEY_RE = /^[\x21-\x7e]{8,256}$/;
const KEY_ID_RE = /^[\w.-]{1,64}$/;
const DEPLOYMENT_RE = /^[A-Za-z0-9][\w.-]{0,63}$/;

function onlyFields(body, fields) {
  if (!isPlainObject(body)) throw new HttpError(400, 'body must be a JSON object');
  for (const k of Object.keys(body)) if (!fields.includes(k)) throw new HttpError(400, `unknown field '${k}'`);
}

class AzureOpenAIResource {
  constructor() {
    this.keys = new Map(); // key → {key_id}
    this.deployments = new Map(); // name → {name, model, created}
    this.denied = new Set(); // client ids / object ids (lower case)
    for (const k of DEFAULT_API_KEYS) this.addKey(k);
    for (const d of DEFAULT_DEPLOYMENTS) this.addDeployment(d);
  }

  /** {"key","key_id"?} → {"key_id"} */
  addKey(body) {
    onlyFields(body, ['key', 'key_id']);
    if (typeof body.key !== 'string' || !KEY_RE.test(body.key)) throw new HttpError(400, 'key must be 8..256 printable ASCII characters without spaces');
    const keyId = body.key_id ?? `key${this.keys.size + 1}`;
    if (typeof keyId !== 'string' || !KEY_ID_RE.test(keyId)) throw new HttpError(400, 'key_id must be 1..64 characters of [A-Za-z0-9_.-]');
    this.keys.set(body.key, { key_id: keyId });
    return { key_id: keyId };
  }

  keyId(key) {
    return typeof key === 'string' ? this.keys.get(key)?.key_id ?? null : null;
  }

  /** {"name","model"?} → {"name","model"} (model defaults to the name) */
  addDeployment(body) {
    onlyFields(body, ['name', 'model']);
    if (typeof body.name !== 'string' || !DEPLOYMENT_RE.test(body.name)) throw new HttpError(400, 'name must be 1..64 characters of [A-Za-z0-9_.-], starting with a letter or digit');
    const model = body.model ?? body.name;
    if (typeof model !== 'string' || !/^[\w.:-]{1,128}$/.test(model)) throw new HttpError(400, 'model must be 1..128 characters of [A-Za-z0-9_.:-]');
    this.deployments.set(body.name, { name: body.name, model, created: 1732000000 });
    return { name: body.name, model };
  }

  deployment(name) {
    return this.deployments.get(name) ?? null;
  }

  /** {"principal"} (a client id or object id) → {"denied": [...]} */
  denyPrincipal(body) {
    onlyFields(body, ['principal']);
    if (typeof body.principal !== 'string' || body.principal.length === 0 || body.principal.length > 256) throw new HttpError(400, 'principal must be a client id or object id');
    this.denied.add(body.principal.toLowerCase());
    return { denied: [...this.denied] };
  }

  isDenied(record) {
    return [record.client_id, record.object_id, record.identity].some((v) => typeof v === 'string' && this.denied.has(v.toLowerCase()));
  }
}

module.exports = { AzureOpenAIResource, DEFAULT_API_KEYS, DEFAULT_DEPLOYMENTS };
