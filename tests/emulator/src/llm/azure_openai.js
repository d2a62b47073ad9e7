'use strict';
// Azure OpenAI data plane, path-based (any Host):
//   POST /openai/v1/chat/completions                                   (model = deployment, in the body)
//   GET  /openai/v1/models
//   POST /openai/deployments/{deployment}/chat/completions?api-version=YYYY-MM-DD[-preview]
//   GET  /openai/models?api-version=…
// Authentication: the `api-key` header (a key of the resource), or `Authorization: Bearer` with
// an Entra token from the emulator's registry for https://cognitiveservices.azure.com (or, as
// the v1 API allows, an API key as the bearer value). Replies come from content.js or the
// script queue; streaming answers are server-sent events.

const crypto = require('node:crypto');
const { sendJson, isPlainObject, randomString } = require('../util');
const { lookupToken } = require('../azure');
const content = require('./content');
const { writeEvents } = require('./stream');

const V1_CHAT = '/openai/v1/chat/completions';
const V1_MODELS = '/openai/v1/models';
const DEPLOYMENT_CHAT_RE = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;
const MODELS = '/openai/models';
const API_VERSION_RE = /^\d{4}-\d{2}-\d{2}(-preview)?$/;
const V1_API_VERSIONS = ['v1', 'preview', 'latest'];

const KEY_DENIED_MSG =
  'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.';
const TOKEN_DENIED_MSG = (resource) =>
  `Unauthorized. Access token is missing, invalid, audience is incorrect (${resource}), or have expired.`;
const DEPLOYMENT_NOT_FOUND_MSG =
  'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.';

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'];
const MESSAGE_FIELDS = new Set(['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'refusal', 'audio', 'function_call']);

function route(ctx) {
  const p = ctx.rawPath.replace(/\/+$/, '');
  if (p === V1_CHAT) return { op: 'chat', api: 'v1' };
  if (p === V1_MODELS) return { op: 'models', api: 'v1' };
  const m = DEPLOYMENT_CHAT_RE.exec(p);
  if (m) {
    let deployment;
    try {
      deployment = decodeURIComponent(m[1]);
    } catch {
      deployment = m[1];
    }
    return { op: 'chat', api: 'deployments', deployment };
  }
  if (p === MODELS) return { op: 'models', api: 'deployments' };
  return { op: 'other' };
}

function baseHeaders(extra = {}) {
  const id = crypto.randomUUID();
  return { 'x-request-id': id, 'apim-request-id': id, 'x-ms-region': 'Emulator', ...extra };
}

function sendAzureError(ctx, status, code, message, headers = {}, extra = {}) {
  ctx.logEntry.error = code;
  return sendJson(ctx.res, status, { error: { code, message, ...extra } }, baseHeaders(headers));
}

/** OpenAI-style validation error (Azure passes these through from the model service). */
function sendInvalid(ctx, message, param = null) {
  ctx.logEntry.error = 'invalid_request_error';
  return sendJson(ctx.res, 400, { error: { message, type: 'invalid_request_error', param, code: null } }, baseHeaders());
}

/**
 * Checks the credentials of the request.
 * @returns {{auth:object}|{status, code, message, reason}}
 */
function authenticate(ctx, emu) {
  const resource = emu.state.llm.azure;
  const cfg = emu.config.azure_openai;
  const apiKey = ctx.headers['api-key'];
  const authz = ctx.headers.authorization;
  const primaryResource = cfg.token_resources[0];
  if (apiKey !== undefined && authz !== undefined) {
    return { status: 401, code: '401', message: 'Send either the api-key header or an Authorization header, not both.', reason: 'both' };
  }
  if (apiKey !== undefined) {
    const keyId = resource.keyId(apiKey);
    if (!keyId) return { status: 401, code: '401', message: KEY_DENIED_MSG, reason: 'invalid_key' };
    return { auth: { kind: 'api-key', key_id: keyId, via: 'api-key' } };
  }
  if (authz === undefined) return { status: 401, code: '401', message: KEY_DENIED_MSG, reason: 'missing' };
  const m = /^Bearer +(\S+)$/i.exec(authz);
  if (!m) return { status: 401, code: '401', message: TOKEN_DENIED_MSG(primaryResource), reason: 'malformed_authorization' };
  const token = m[1];
  const keyId = resource.keyId(token);
  if (keyId) return { auth: { kind: 'api-key', key_id: keyId, via: 'authorization' } };
  const rec = lookupToken(emu, token);
  if (!rec) return { status: 401, code: '401', message: TOKEN_DENIED_MSG(primaryResource), reason: 'unknown_token' };
  const entra = {
    kind: 'entra',
    source: rec.source,
    tenant_id: rec.tenant_id,
    client_id: rec.client_id,
    object_id: rec.object_id,
    identity: rec.identity,
    scope: rec.scope,
    resource: rec.resource,
    expires_at: rec.expires_at,
  };
  if (rec.auth_kind) entra.auth_kind = rec.auth_kind; // how the client authenticated to Entra, when the registry knows
  if (rec.expired) return { status: 401, code: '401', message: TOKEN_DENIED_MSG(primaryResource), reason: 'expired_token', auth: entra };
  const norm = (s) => (typeof s === 'string' ? s.replace(/\/+$/, '').toLowerCase() : null);
  const accepted = cfg.token_resources.map(norm);
  const tokenResource = norm(rec.resource) ?? norm(typeof rec.scope === 'string' ? rec.scope.replace(/\/\.default$/, '') : null);
  if (!accepted.includes(tokenResource)) {
    return { status: 401, code: '401', message: TOKEN_DENIED_MSG(primaryResource), reason: 'wrong_audience', auth: entra };
  }
  if (resource.isDenied(rec)) {
    return {
      status: 401,
      code: 'PermissionDenied',
      message: `The principal \`${rec.object_id ?? rec.client_id}\` lacks the required data action \`Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action\` to perform \`POST /openai/deployments/{deployment-id}/chat/completions\` operation.`,
      reason: 'permission_denied',
      auth: entra,
    };
  }
  return { auth: entra };
}

function textOfContent(c, where) {
  if (c === null || c === undefined) return '';
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) throw new Error(`${where}.content must be a string, an array of content parts or null`);
  const texts = [];
  c.forEach((part, i) => {
    if (!isPlainObject(part) || typeof part.type !== 'string') throw new Error(`${where}.content[${i}] must be an object with a type`);
    if (part.type === 'text') {
      if (typeof part.text !== 'string') throw new Error(`${where}.content[${i}].text must be a string`);
      texts.push(part.text);
    } else if (part.type === 'refusal') {
      texts.push(String(part.refusal ?? ''));
    }
    // image_url, input_audio, file: accepted, not echoed
  });
  return texts.join('\n');
}

/** Validates a chat.completions body and returns the neutral conversation (content.js). */
function parseChat(body) {
  if (!isPlainObject(body)) throw Object.assign(new Error('The request body must be a JSON object.'), { param: null });
  const { messages } = body;
  if (!Array.isArray(messages) || messages.length === 0) throw Object.assign(new Error("'messages' must be a non-empty array."), { param: 'messages' });
  const conv = { system: [], messages: [], tools: [], forcedTool: null, maxTokens: null };
  messages.forEach((m, i) => {
    const where = `messages[${i}]`;
    if (!isPlainObject(m)) throw Object.assign(new Error(`${where} must be an object.`), { param: where });
    for (const k of Object.keys(m)) if (!MESSAGE_FIELDS.has(k)) throw Object.assign(new Error(`Additional properties are not allowed ('${k}' was unexpected) - '${where}'`), { param: where });
    if (!ROLES.includes(m.role)) throw Object.assign(new Error(`${where}.role must be one of ${ROLES.join(', ')}.`), { param: `${where}.role` });
    const text = textOfContent(m.content, where);
    if (m.role === 'system' || m.role === 'developer') {
      conv.system.push(text);
      return;
    }
    if (m.role === 'tool') {
      if (typeof m.tool_call_id !== 'string' || m.tool_call_id === '') throw Object.assign(new Error(`${where}.tool_call_id is required for role 'tool'.`), { param: `${where}.tool_call_id` });
      const prev = conv.messages[conv.messages.length - 1];
      const result = { id: m.tool_call_id, text };
      if (prev && prev.role === 'tool') prev.toolResults.push(result);
      else conv.messages.push({ role: 'tool', text: '', toolResults: [result], toolCalls: [] });
      return;
    }
    const toolCalls = [];
    if (m.tool_calls !== undefined) {
      if (m.role !== 'assistant' || !Array.isArray(m.tool_calls)) throw Object.assign(new Error(`${where}.tool_calls must be an array on an assistant message.`), { param: `${where}.tool_calls` });
      m.tool_calls.forEach((c, j) => {
        if (!isPlainObject(c) || typeof c.id !== 'string' || !isPlainObject(c.function) || typeof c.function.name !== 'string' || typeof c.function.arguments !== 'string') {
          throw Object.assign(new Error(`${where}.tool_calls[${j}] must be {id, type:'function', function:{name, arguments:<string>}}.`), { param: `${where}.tool_calls[${j}]` });
        }
        toolCalls.push({ id: c.id, name: c.function.name });
      });
    }
    conv.messages.push({ role: m.role, text, toolResults: [], toolCalls });
  });
  // a tool message must answer a call made earlier
  const calls = new Set(conv.messages.flatMap((m) => m.toolCalls.map((c) => c.id)));
  for (const m of conv.messages) {
    for (const r of m.toolResults) {
      if (!calls.has(r.id)) throw Object.assign(new Error(`Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`), { param: 'messages' });
    }
  }
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) throw Object.assign(new Error("'tools' must be an array."), { param: 'tools' });
    body.tools.forEach((t, i) => {
      if (!isPlainObject(t) || t.type !== 'function' || !isPlainObject(t.function) || typeof t.function.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(t.function.name)) {
        throw Object.assign(new Error(`tools[${i}] must be {type:'function', function:{name (1..64 of [A-Za-z0-9_-]), description?, parameters?}}.`), { param: `tools[${i}]` });
      }
      if (t.function.parameters !== undefined && !isPlainObject(t.function.parameters)) throw Object.assign(new Error(`tools[${i}].function.parameters must be a JSON schema object.`), { param: `tools[${i}].function.parameters` });
      conv.tools.push(t.function.name);
    });
  }
  const tc = body.tool_choice;
  if (tc !== undefined) {
    if (tc === 'none' || tc === 'auto') conv.forcedTool = tc === 'none' ? 'none' : null;
    else if (tc === 'required') conv.forcedTool = '*any*';
    else if (isPlainObject(tc) && tc.type === 'function' && isPlainObject(tc.function) && conv.tools.includes(tc.function.name)) conv.forcedTool = tc.function.name;
    else throw Object.assign(new Error("'tool_choice' must be 'none', 'auto', 'required' or {type:'function', function:{name}} naming an offered tool."), { param: 'tool_choice' });
    if (tc !== 'none' && tc !== 'auto' && conv.tools.length === 0) throw Object.assign(new Error("'tool_choice' is only allowed when 'tools' are specified."), { param: 'tool_choice' });
  }
  for (const k of ['max_tokens', 'max_completion_tokens']) {
    if (body[k] !== undefined && body[k] !== null) {
      if (!Number.isInteger(body[k]) || body[k] < 1) throw Object.assign(new Error(`'${k}' must be a positive integer.`), { param: k });
      conv.maxTokens = body[k];
    }
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw Object.assign(new Error("'stream' must be a boolean."), { param: 'stream' });
  if (body.stream_options !== undefined && body.stream_options !== null) {
    if (!isPlainObject(body.stream_options)) throw Object.assign(new Error("'stream_options' must be an object."), { param: 'stream_options' });
    if (!body.stream) throw Object.assign(new Error("The 'stream_options' parameter is only allowed when 'stream' is enabled."), { param: 'stream_options' });
  }
  for (const [k, lo, hi] of [['temperature', 0, 2], ['top_p', 0, 1]]) {
    if (body[k] !== undefined && body[k] !== null && (typeof body[k] !== 'number' || body[k] < lo || body[k] > hi)) {
      throw Object.assign(new Error(`'${k}' must be a number in ${lo}..${hi}.`), { param: k });
    }
  }
  return conv;
}

const WIRE_FINISH = { stop: 'stop', tool_calls: 'tool_calls', length: 'length' };

function completionBase(model, nowMs) {
  return {
    id: `chatcmpl-${randomString(29)}`,
    created: Math.floor(nowMs / 1000),
    model,
    system_fingerprint: 'fp_emulator',
  };
}

function usageOf(reply) {
  return { prompt_tokens: reply.usage.input, completion_tokens: reply.usage.output, total_tokens: reply.usage.input + reply.usage.output };
}

function toolCallsWire(reply) {
  return reply.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
}

const PROMPT_FILTER_RESULTS = [{ prompt_index: 0, content_filter_results: {} }];

function sendCompletion(ctx, reply, model, nowMs) {
  const message = { role: 'assistant', content: reply.text, refusal: null };
  if (reply.toolCalls.length) message.tool_calls = toolCallsWire(reply);
  const body = {
    ...completionBase(model, nowMs),
    object: 'chat.completion',
    choices: [{ index: 0, message, finish_reason: reply.wireFinish ?? WIRE_FINISH[reply.finish], logprobs: null }],
    usage: usageOf(reply),
    prompt_filter_results: PROMPT_FILTER_RESULTS,
  };
  return sendJson(ctx.res, 200, body, baseHeaders(reply.headers ?? {}));
}

function sse(obj) {
  return `data: ${JSON.stringify(obj)}\n\n`;
}

async function streamCompletion(ctx, emu, reply, model, nowMs, includeUsage) {
  const base = { ...completionBase(model, nowMs), object: 'chat.completion.chunk' };
  const chunk = (delta, finish = null) => {
    const c = { ...base, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] };
    if (includeUsage) c.usage = null;
    return sse(c);
  };
  const events = [];
  // Azure sends the prompt's content-filter results first, in a chunk without choices.
  events.push(sse({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: PROMPT_FILTER_RESULTS }));
  events.push(chunk({ role: 'assistant', content: '', refusal: null }));
  for (const piece of content.textChunks(reply)) events.push(chunk({ content: piece }));
  reply.toolCalls.forEach((c, index) => {
    events.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
    for (const frag of content.jsonFragments(JSON.stringify(c.arguments))) {
      events.push(chunk({ tool_calls: [{ index, function: { arguments: frag } }] }));
    }
  });
  events.push(chunk({}, reply.wireFinish ?? WIRE_FINISH[reply.finish]));
  if (includeUsage) events.push(sse({ ...base, choices: [], usage: usageOf(reply) }));

  ctx.res.writeHead(200, baseHeaders({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...(reply.headers ?? {}) }));
  ctx.res.flushHeaders();
  const se = reply.streamError;
  const errorEvent = se && !se.drop
    ? sse({ error: { code: se.type ?? 'server_error', message: se.message ?? 'The server had an error while processing your request. Sorry about that!' } })
    : undefined;
  const r = await writeEvents(ctx.res, events, { delayMs: emu.config.llm.stream_chunk_delay_ms, streamError: se, errorEvent, trailer: 'data: [DONE]\n\n' });
  ctx.logEntry.llm.stream_events = r.sent;
  if (r.error) ctx.logEntry.llm.stream_error = se.drop ? 'drop' : se.type ?? 'server_error';
}

function modelsList(emu) {
  return {
    object: 'list',
    data: [...emu.state.llm.azure.deployments.values()].map((d) => ({
      id: d.name,
      object: 'model',
      created: d.created,
      owned_by: 'system',
      model: d.model,
    })),
  };
}

const MAX_LOGGED_BODY = 64 * 1024;

module.exports = {
  target: 'azure_openai',
  counterNames: ['azure_openai.chat', 'azure_openai.models', 'azure_openai.other'],

  match(ctx) {
    return ctx.rawPath === '/openai' || ctx.rawPath.startsWith('/openai/');
  },

  counter(ctx) {
    const r = route(ctx);
    return r.op === 'other' ? 'azure_openai.other' : `azure_openai.${r.op}`;
  },

  async handle(ctx, emu) {
    const r = route(ctx);
    const llm = { api: r.api };
    ctx.logEntry.llm = llm;
    if (r.op === 'other') return sendAzureError(ctx, 404, '404', 'Resource not found');
    const wantMethod = r.op === 'chat' ? 'POST' : 'GET';
    if (ctx.method !== wantMethod) return sendAzureError(ctx, 405, '405', `The requested method ${ctx.method} is not allowed; use ${wantMethod}.`);

    const apiVersion = ctx.query['api-version'];
    if (Array.isArray(apiVersion)) return sendAzureError(ctx, 400, 'BadRequest', 'The api-version query parameter was given more than once.');
    llm.api_version = apiVersion;
    if (r.api === 'deployments') {
      if (apiVersion === undefined || apiVersion === '') {
        return sendAzureError(ctx, 400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
      }
      if (!API_VERSION_RE.test(apiVersion)) {
        return sendAzureError(ctx, 400, 'InvalidApiVersionParameter', `The api-version '${apiVersion}' is invalid. Use a version such as 2024-10-21 or 2025-04-01-preview.`);
      }
    } else if (apiVersion !== undefined && !V1_API_VERSIONS.includes(apiVersion)) {
      return sendAzureError(ctx, 400, 'BadRequest', `api-version '${apiVersion}' is not allowed when using the /v1 path; leave it out or use ${V1_API_VERSIONS.join(', ')}.`);
    }

    const a = authenticate(ctx, emu);
    llm.auth = a.auth ?? null;
    if (!a.auth || a.status) {
      llm.auth_error = a.reason;
      return sendAzureError(ctx, a.status, a.code, a.message);
    }

    if (r.op === 'models') return sendJson(ctx.res, 200, modelsList(emu), baseHeaders());

    // ---- chat completions ----
    let deploymentName = r.deployment;
    if (r.api === 'deployments') {
      llm.deployment = deploymentName;
      if (!emu.state.llm.azure.deployment(deploymentName)) return sendAzureError(ctx, 404, 'DeploymentNotFound', DEPLOYMENT_NOT_FOUND_MSG);
    }
    let body;
    try {
      body = JSON.parse(ctx.body.toString('utf8'));
    } catch {
      return sendInvalid(ctx, "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)");
    }
    if (ctx.body.length <= MAX_LOGGED_BODY) llm.request = body;
    if (r.api === 'v1') {
      if (!isPlainObject(body) || typeof body.model !== 'string' || body.model === '') return sendInvalid(ctx, "Missing required parameter: 'model'.", 'model');
      deploymentName = body.model;
      llm.deployment = deploymentName;
      if (!emu.state.llm.azure.deployment(deploymentName)) return sendAzureError(ctx, 404, 'DeploymentNotFound', DEPLOYMENT_NOT_FOUND_MSG);
    }
    const deployment = emu.state.llm.azure.deployment(deploymentName);
    llm.model = deployment.model;
    let conv;
    try {
      conv = parseChat(body);
    } catch (e) {
      return sendInvalid(ctx, e.message, e.param ?? null);
    }
    const stream = body.stream === true;
    llm.stream = stream;

    const entry = emu.state.llm.scripts.take('azure_openai');
    llm.scripted = !!entry;
    if (entry && entry.status !== undefined) {
      const code = entry.error_code ?? defaultCode(entry.status);
      return sendAzureError(ctx, entry.status, code, entry.message ?? defaultMessage(entry.status), entry.headers ?? {});
    }
    const reply = entry ? content.scriptedReply(entry, conv, 'call_') : content.defaultReply(conv, 'call_');
    llm.finish_reason = reply.wireFinish ?? WIRE_FINISH[reply.finish];
    llm.tool_calls = reply.toolCalls.map((c) => c.name);
    llm.usage = { input_tokens: reply.usage.input, output_tokens: reply.usage.output };
    if (!stream) return sendCompletion(ctx, reply, deployment.model, emu.now());
    return streamCompletion(ctx, emu, reply, deployment.model, emu.now(), body.stream_options?.include_usage === true);
  },

  faultResponse(ctx, fault) {
    ctx.logEntry.llm = { api: route(ctx).api };
    return sendAzureError(ctx, fault.status, fault.code ?? defaultCode(fault.status), fault.message ?? defaultMessage(fault.status), fault.headers ?? {});
  },
};

function defaultCode(status) {
  if (status === 400) return 'BadRequest';
  if (status === 401 || status === 404 || status === 429) return String(status);
  if (status === 403) return 'PermissionDenied';
  if (status === 503) return 'ServiceUnavailable';
  if (status >= 500) return 'InternalServerError';
  return String(status);
}

function defaultMessage(status) {
  if (status === 429) {
    return 'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.';
  }
  if (status >= 500) return 'The server had an error while processing your request. Sorry about that!';
  return `Injected error (HTTP ${status})`;
}

module.exports.parseChat = parseChat;
module.exports.authenticate = authenticate;
