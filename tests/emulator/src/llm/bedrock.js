'use strict';
// Bedrock runtime, path-based (any Host):
//   POST /model/{modelId}/converse                     Converse (JSON)
//   POST /model/{modelId}/converse-stream              ConverseStream (AWS event stream)
//   POST /model/{modelId}/invoke                       InvokeModel (raw body; Anthropic messages understood)
//   POST /model/{modelId}/invoke-with-response-stream  InvokeModelWithResponseStream (event stream of chunks)
// {modelId} arrives URL-encoded (a foundation model id, an inference profile id or an ARN) and
// is decoded once. Authentication: bedrock_auth.js. Replies: content.js or the script queue.

const crypto = require('node:crypto');
const { sendJson, sendRaw, isPlainObject, randomString } = require('../util');
const content = require('./content');
const { authenticateBedrock } = require('./bedrock_auth');
const { eventFrame, exceptionFrame } = require('./eventstream');
const { writeEvents } = require('./stream');

const PATH_RE = /^\/model\/(.+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/;
const COUNTERS = {
  converse: 'bedrock.converse',
  'converse-stream': 'bedrock.converse_stream',
  invoke: 'bedrock.invoke',
  'invoke-with-response-stream': 'bedrock.invoke_stream',
};
const BEDROCK_SUFFIX = ':http://internal.amazon.com/coral/com.amazon.bedrock/';
const EVENTSTREAM = 'application/vnd.amazon.eventstream';
const INVALID_MODEL_MSG = 'The provided model identifier is invalid.';
const WIRE_STOP = { stop: 'end_turn', tool_calls: 'tool_use', length: 'max_tokens' };
const MAX_LOGGED_BODY = 64 * 1024;

class ValidationError extends Error {}
const invalid = (msg) => {
  throw new ValidationError(msg);
};

function route(ctx) {
  const m = PATH_RE.exec(ctx.rawPath);
  if (!m) return { op: 'other' };
  return { op: m[2], rawModelId: m[1] };
}

function sendBedrockError(ctx, status, type, message, headers = {}) {
  const bare = type.split(':')[0];
  ctx.logEntry.error = bare;
  return sendJson(ctx.res, status, { message }, {
    'x-amzn-requestid': crypto.randomUUID(),
    'x-amzn-errortype': type.includes(':') ? type : `${type}${BEDROCK_SUFFIX}`,
    ...headers,
  });
}

function defaultErrorType(status) {
  return {
    400: 'ValidationException',
    403: 'AccessDeniedException',
    404: 'ResourceNotFoundException',
    408: 'ModelTimeoutException',
    409: 'ConflictException',
    424: 'ModelErrorException',
    429: 'ThrottlingException',
    503: 'ServiceUnavailableException',
  }[status] ?? (status >= 500 ? 'InternalServerException' : 'ValidationException');
}

function defaultErrorMessage(status) {
  if (status === 429) return 'Too many requests, please wait before trying again.';
  if (status === 503) return 'Service unavailable. Try your request again.';
  if (status >= 500) return 'The server encountered an internal error while processing the request.';
  return `Injected error (HTTP ${status})`;
}

// ---- Converse request ------------------------------------------------------------------------------

const CONVERSE_FIELDS = new Set([
  'messages', 'system', 'inferenceConfig', 'toolConfig', 'guardrailConfig', 'additionalModelRequestFields',
  'additionalModelResponseFieldPaths', 'promptVariables', 'requestMetadata', 'performanceConfig',
]);
const BLOCK_KINDS = ['text', 'image', 'document', 'video', 'toolUse', 'toolResult', 'guardContent', 'reasoningContent', 'cachePoint', 'citationsContent'];
const TOOL_NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;

function toolResultText(content, where) {
  if (!Array.isArray(content)) invalid(`${where}.content must be a list of content blocks`);
  return content.map((c, i) => {
    if (!isPlainObject(c) || Object.keys(c).length !== 1) invalid(`${where}.content[${i}] must have exactly one of text, json, image, document, video`);
    if (typeof c.text === 'string') return c.text;
    if (c.json !== undefined) return JSON.stringify(c.json);
    if (c.image || c.document || c.video) return '';
    return invalid(`${where}.content[${i}] must have exactly one of text, json, image, document, video`);
  }).join('\n');
}

/** Validates a Converse body and returns the neutral conversation. */
function parseConverse(body) {
  if (!isPlainObject(body)) invalid('The request body must be a JSON object.');
  for (const k of Object.keys(body)) if (!CONVERSE_FIELDS.has(k)) invalid(`Unknown field '${k}' in the request.`);
  const conv = { system: [], messages: [], tools: [], forcedTool: null, maxTokens: null };
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    invalid("1 validation error detected: Value at 'messages' failed to satisfy constraint: Member must not be null or empty");
  }
  let usesTools = false;
  body.messages.forEach((m, i) => {
    const where = `messages.${i + 1}`;
    if (!isPlainObject(m) || !['user', 'assistant'].includes(m.role)) invalid(`1 validation error detected: Value at '${where}.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`);
    if (i === 0 && m.role !== 'user') invalid('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
    if (i > 0 && body.messages[i - 1].role === m.role) invalid('A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.');
    if (!Array.isArray(m.content) || m.content.length === 0) invalid(`1 validation error detected: Value at '${where}.content' failed to satisfy constraint: Member must not be null or empty`);
    const texts = [];
    const toolResults = [];
    const toolCalls = [];
    m.content.forEach((b, j) => {
      const bw = `${where}.content.${j + 1}`;
      const kinds = isPlainObject(b) ? Object.keys(b) : [];
      if (kinds.length !== 1 || !BLOCK_KINDS.includes(kinds[0])) invalid(`${bw} must have exactly one member of ${BLOCK_KINDS.join(', ')}`);
      if (b.text !== undefined) {
        if (typeof b.text !== 'string') invalid(`${bw}.text must be a string`);
        texts.push(b.text);
      } else if (b.toolUse !== undefined) {
        const u = b.toolUse;
        if (m.role !== 'assistant') invalid(`${bw}: toolUse blocks are only allowed in assistant messages`);
        if (!isPlainObject(u) || typeof u.toolUseId !== 'string' || typeof u.name !== 'string' || u.input === undefined) invalid(`${bw}.toolUse needs toolUseId, name and input`);
        toolCalls.push({ id: u.toolUseId, name: u.name });
        usesTools = true;
      } else if (b.toolResult !== undefined) {
        const r = b.toolResult;
        if (m.role !== 'user') invalid(`${bw}: toolResult blocks are only allowed in user messages`);
        if (!isPlainObject(r) || typeof r.toolUseId !== 'string') invalid(`${bw}.toolResult needs toolUseId and content`);
        if (r.status !== undefined && !['success', 'error'].includes(r.status)) invalid(`${bw}.toolResult.status must be success or error`);
        toolResults.push({ id: r.toolUseId, text: toolResultText(r.content, `${bw}.toolResult`) });
        usesTools = true;
      }
    });
    conv.messages.push({ role: m.role, text: texts.join('\n'), toolResults, toolCalls });
  });
  // every toolResult must answer a toolUse of the message before it
  conv.messages.forEach((m, i) => {
    if (m.toolResults.length === 0) return;
    const prev = conv.messages[i - 1];
    for (const r of m.toolResults) {
      if (!prev || !prev.toolCalls.some((c) => c.id === r.id)) {
        invalid(`The toolUseId ${r.id} in a toolResult block of messages.${i + 1} does not match a toolUse block of the previous turn.`);
      }
    }
  });
  if (body.system !== undefined) {
    if (!Array.isArray(body.system)) invalid("'system' must be a list of system content blocks");
    body.system.forEach((s, i) => {
      if (!isPlainObject(s) || Object.keys(s).length !== 1) invalid(`system.${i + 1} must have exactly one of text, guardContent, cachePoint`);
      if (s.text !== undefined) {
        if (typeof s.text !== 'string') invalid(`system.${i + 1}.text must be a string`);
        conv.system.push(s.text);
      } else if (s.guardContent === undefined && s.cachePoint === undefined) invalid(`system.${i + 1} must have exactly one of text, guardContent, cachePoint`);
    });
  }
  const ic = body.inferenceConfig;
  if (ic !== undefined) {
    if (!isPlainObject(ic)) invalid("'inferenceConfig' must be an object");
    for (const k of Object.keys(ic)) if (!['maxTokens', 'temperature', 'topP', 'stopSequences'].includes(k)) invalid(`Unknown field 'inferenceConfig.${k}'.`);
    if (ic.maxTokens !== undefined) {
      if (!Number.isInteger(ic.maxTokens) || ic.maxTokens < 1) invalid("1 validation error detected: Value at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1");
      conv.maxTokens = ic.maxTokens;
    }
    for (const k of ['temperature', 'topP']) {
      if (ic[k] !== undefined && (typeof ic[k] !== 'number' || ic[k] < 0 || ic[k] > 1)) invalid(`1 validation error detected: Value at 'inferenceConfig.${k}' failed to satisfy constraint: Member must have value between 0 and 1`);
    }
    if (ic.stopSequences !== undefined && (!Array.isArray(ic.stopSequences) || ic.stopSequences.some((s) => typeof s !== 'string' || s === ''))) {
      invalid("'inferenceConfig.stopSequences' must be a list of non-empty strings");
    }
  }
  const tc = body.toolConfig;
  if (tc !== undefined) {
    if (!isPlainObject(tc)) invalid("'toolConfig' must be an object");
    for (const k of Object.keys(tc)) if (!['tools', 'toolChoice'].includes(k)) invalid(`Unknown field 'toolConfig.${k}'.`);
    if (!Array.isArray(tc.tools) || tc.tools.length === 0) invalid("1 validation error detected: Value at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1");
    tc.tools.forEach((t, i) => {
      if (isPlainObject(t) && t.cachePoint !== undefined && Object.keys(t).length === 1) return;
      const s = isPlainObject(t) ? t.toolSpec : undefined;
      if (!isPlainObject(s) || typeof s.name !== 'string' || !TOOL_NAME_RE.test(s.name)) invalid(`toolConfig.tools.${i + 1}.toolSpec.name must match ${TOOL_NAME_RE}`);
      if (!isPlainObject(s.inputSchema) || !isPlainObject(s.inputSchema.json)) invalid(`toolConfig.tools.${i + 1}.toolSpec.inputSchema.json must be a JSON schema object`);
      if (s.description !== undefined && (typeof s.description !== 'string' || s.description === '')) invalid(`toolConfig.tools.${i + 1}.toolSpec.description must be a non-empty string`);
      if (conv.tools.includes(s.name)) invalid(`The tool name ${s.name} is used more than once.`);
      conv.tools.push(s.name);
    });
    const ch = tc.toolChoice;
    if (ch !== undefined) {
      const keys = isPlainObject(ch) ? Object.keys(ch) : [];
      if (keys.length !== 1 || !['auto', 'any', 'tool'].includes(keys[0])) invalid("'toolConfig.toolChoice' must have exactly one of auto, any, tool");
      if (ch.any !== undefined) conv.forcedTool = '*any*';
      if (ch.tool !== undefined) {
        if (!isPlainObject(ch.tool) || !conv.tools.includes(ch.tool.name)) invalid("'toolConfig.toolChoice.tool.name' must name a tool of toolConfig.tools");
        conv.forcedTool = ch.tool.name;
      }
    }
  } else if (usesTools) {
    invalid('The toolConfig field must be defined when using toolUse and toolResult content blocks.');
  }
  return conv;
}

function converseUsage(reply) {
  return { inputTokens: reply.usage.input, outputTokens: reply.usage.output, totalTokens: reply.usage.input + reply.usage.output };
}

function converseContent(reply) {
  const out = [];
  if (reply.text) out.push({ text: reply.text });
  for (const c of reply.toolCalls) out.push({ toolUse: { toolUseId: c.id, name: c.name, input: c.arguments } });
  return out;
}

function converseStreamEvents(reply, latencyMs) {
  const events = [eventFrame('messageStart', { role: 'assistant' })];
  let index = 0;
  const pieces = content.textChunks(reply);
  if (pieces.length) {
    for (const text of pieces) events.push(eventFrame('contentBlockDelta', { contentBlockIndex: index, delta: { text } }));
    events.push(eventFrame('contentBlockStop', { contentBlockIndex: index }));
    index++;
  }
  for (const c of reply.toolCalls) {
    events.push(eventFrame('contentBlockStart', { contentBlockIndex: index, start: { toolUse: { toolUseId: c.id, name: c.name } } }));
    for (const input of content.jsonFragments(JSON.stringify(c.arguments))) {
      events.push(eventFrame('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input } } }));
    }
    events.push(eventFrame('contentBlockStop', { contentBlockIndex: index }));
    index++;
  }
  events.push(eventFrame('messageStop', { stopReason: reply.wireFinish ?? WIRE_STOP[reply.finish] }));
  events.push(eventFrame('metadata', { usage: converseUsage(reply), metrics: { latencyMs } }));
  return events;
}

// ---- InvokeModel (Anthropic messages bodies) --------------------------------------------------------

const ANTHROPIC_FIELDS = new Set([
  'anthropic_version', 'anthropic_beta', 'max_tokens', 'messages', 'system', 'tools', 'tool_choice',
  'temperature', 'top_p', 'top_k', 'stop_sequences', 'thinking', 'metadata',
]);

function malformed(detail) {
  invalid(`Malformed input request: ${detail}, please reformat your input and try again.`);
}

function anthropicText(c, where) {
  if (typeof c === 'string') return { text: c, blocks: [] };
  if (!Array.isArray(c)) malformed(`#/${where}/content: expected type: String or JSONArray`);
  return { text: null, blocks: c };
}

/** Validates an Anthropic messages body (Bedrock flavour) and returns the neutral conversation. */
function parseAnthropic(body) {
  for (const k of Object.keys(body)) if (!ANTHROPIC_FIELDS.has(k)) malformed(`#: extraneous key [${k}] is not permitted`);
  if (typeof body.anthropic_version !== 'string') malformed('#: required key [anthropic_version] not found');
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) malformed('#: required key [max_tokens] not found');
  if (!Array.isArray(body.messages) || body.messages.length === 0) malformed('#: required key [messages] not found');
  const conv = { system: [], messages: [], tools: [], forcedTool: null, maxTokens: body.max_tokens };
  body.messages.forEach((m, i) => {
    const where = `messages/${i}`;
    if (!isPlainObject(m) || !['user', 'assistant'].includes(m.role)) malformed(`#/${where}/role: ${m && m.role} is not a valid enum value`);
    const { text, blocks } = anthropicText(m.content, where);
    const texts = text !== null ? [text] : [];
    const toolResults = [];
    const toolCalls = [];
    blocks.forEach((b, j) => {
      if (!isPlainObject(b) || typeof b.type !== 'string') malformed(`#/${where}/content/${j}: expected an object with a type`);
      if (b.type === 'text') {
        if (typeof b.text !== 'string') malformed(`#/${where}/content/${j}/text: expected type: String`);
        texts.push(b.text);
      } else if (b.type === 'tool_use') {
        if (typeof b.id !== 'string' || typeof b.name !== 'string' || !isPlainObject(b.input)) malformed(`#/${where}/content/${j}: tool_use needs id, name and input`);
        toolCalls.push({ id: b.id, name: b.name });
      } else if (b.type === 'tool_result') {
        if (typeof b.tool_use_id !== 'string') malformed(`#/${where}/content/${j}: required key [tool_use_id] not found`);
        let t = '';
        if (typeof b.content === 'string') t = b.content;
        else if (Array.isArray(b.content)) t = b.content.filter((x) => isPlainObject(x) && x.type === 'text').map((x) => String(x.text)).join('\n');
        toolResults.push({ id: b.tool_use_id, text: t });
      }
    });
    conv.messages.push({ role: m.role, text: texts.join('\n'), toolResults, toolCalls });
  });
  if (typeof body.system === 'string') conv.system.push(body.system);
  else if (Array.isArray(body.system)) for (const s of body.system) if (isPlainObject(s) && typeof s.text === 'string') conv.system.push(s.text);
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) malformed('#/tools: expected type: JSONArray');
    body.tools.forEach((t, i) => {
      if (!isPlainObject(t) || typeof t.name !== 'string' || !TOOL_NAME_RE.test(t.name)) malformed(`#/tools/${i}/name: string does not match pattern ${TOOL_NAME_RE.source}`);
      conv.tools.push(t.name);
    });
  }
  const ch = body.tool_choice;
  if (isPlainObject(ch)) {
    if (ch.type === 'any') conv.forcedTool = '*any*';
    else if (ch.type === 'tool' && conv.tools.includes(ch.name)) conv.forcedTool = ch.name;
    else if (ch.type === 'none') conv.forcedTool = 'none';
  }
  return conv;
}

function anthropicMessage(reply, model) {
  const contentBlocks = [];
  if (reply.text) contentBlocks.push({ type: 'text', text: reply.text });
  for (const c of reply.toolCalls) contentBlocks.push({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments });
  return {
    id: `msg_bdrk_${randomString(24)}`,
    type: 'message',
    role: 'assistant',
    model,
    content: contentBlocks,
    stop_reason: reply.wireFinish ?? WIRE_STOP[reply.finish],
    stop_sequence: null,
    usage: { input_tokens: reply.usage.input, output_tokens: reply.usage.output },
  };
}

function anthropicStreamEvents(reply, model, latencyMs) {
  const msg = anthropicMessage(reply, model);
  const chunk = (obj) => eventFrame('chunk', { bytes: Buffer.from(JSON.stringify(obj)).toString('base64') });
  const events = [chunk({ type: 'message_start', message: { ...msg, content: [], stop_reason: null, usage: { input_tokens: msg.usage.input_tokens, output_tokens: 1 } } })];
  let index = 0;
  const pieces = content.textChunks(reply);
  if (pieces.length) {
    events.push(chunk({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
    for (const text of pieces) events.push(chunk({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } }));
    events.push(chunk({ type: 'content_block_stop', index }));
    index++;
  }
  for (const c of reply.toolCalls) {
    events.push(chunk({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } }));
    for (const partial of content.jsonFragments(JSON.stringify(c.arguments))) {
      events.push(chunk({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partial } }));
    }
    events.push(chunk({ type: 'content_block_stop', index }));
    index++;
  }
  events.push(chunk({ type: 'message_delta', delta: { stop_reason: msg.stop_reason, stop_sequence: null }, usage: { output_tokens: msg.usage.output_tokens } }));
  events.push(chunk({
    type: 'message_stop',
    'amazon-bedrock-invocationMetrics': { inputTokenCount: msg.usage.input_tokens, outputTokenCount: msg.usage.output_tokens, invocationLatency: latencyMs, firstByteLatency: latencyMs },
  }));
  return events;
}

// ---- the target ---------------------------------------------------------------------------------------

function streamErrorFrame(se) {
  return se && !se.drop ? exceptionFrame(se.type, { message: se.message ?? defaultStreamErrorMessage(se.type) }) : undefined;
}

function defaultStreamErrorMessage(type) {
  return {
    throttlingException: 'Too many tokens, please wait before trying again.',
    modelStreamErrorException: 'The model stream was interrupted.',
    internalServerException: 'The system encountered an unexpected error during processing. Try your request again.',
    validationException: 'The input is invalid.',
    serviceUnavailableException: 'The service is unavailable. Try your request again.',
  }[type];
}

async function sendStream(ctx, emu, events, reply) {
  ctx.res.writeHead(200, {
    'content-type': EVENTSTREAM,
    'x-amzn-requestid': crypto.randomUUID(),
    ...(reply.headers ?? {}),
  });
  ctx.res.flushHeaders();
  const se = reply.streamError;
  const r = await writeEvents(ctx.res, events, { delayMs: emu.config.llm.stream_chunk_delay_ms, streamError: se, errorEvent: streamErrorFrame(se) });
  ctx.logEntry.llm.stream_events = r.sent;
  if (r.error) ctx.logEntry.llm.stream_error = se.drop ? 'drop' : se.type;
}

module.exports = {
  target: 'bedrock',
  counterNames: ['bedrock.converse', 'bedrock.converse_stream', 'bedrock.invoke', 'bedrock.invoke_stream', 'bedrock.other'],

  match(ctx) {
    return ctx.rawPath.startsWith('/model/');
  },

  counter(ctx) {
    return COUNTERS[route(ctx).op] ?? 'bedrock.other';
  },

  async handle(ctx, emu) {
    const started = Date.now();
    const r = route(ctx);
    const llm = {};
    ctx.logEntry.llm = llm;
    if (r.op === 'other' || ctx.method !== 'POST') {
      return sendBedrockError(ctx, 404, 'UnknownOperationException', `No operation for ${ctx.method} ${ctx.rawPath}`);
    }
    llm.operation = r.op;
    const a = await authenticateBedrock(ctx, emu);
    llm.auth = a.auth ?? null;
    if (!a.ok) {
      llm.auth_error = a.reason;
      return sendBedrockError(ctx, a.status, a.errorType, a.message);
    }

    let modelId;
    try {
      modelId = decodeURIComponent(r.rawModelId);
    } catch {
      return sendBedrockError(ctx, 400, 'ValidationException', INVALID_MODEL_MSG);
    }
    llm.model_id = modelId;
    const model = emu.state.llm.bedrock.resolve(modelId);
    if (!model) return sendBedrockError(ctx, 400, 'ValidationException', INVALID_MODEL_MSG);
    llm.model = model.model;
    llm.model_kind = model.kind;

    let body;
    try {
      body = JSON.parse(ctx.body.toString('utf8'));
    } catch {
      return sendBedrockError(ctx, 400, 'ValidationException', r.op.startsWith('converse')
        ? 'The request body is not valid JSON.'
        : 'Malformed input request, please reformat your input and try again.');
    }
    if (ctx.body.length <= MAX_LOGGED_BODY) llm.request = body;

    const isConverse = r.op.startsWith('converse');
    const anthropic = !isConverse && isPlainObject(body) && (body.anthropic_version !== undefined || model.model.startsWith('anthropic.'));
    let conv = null;
    try {
      if (isConverse) conv = parseConverse(body);
      else if (anthropic) conv = parseAnthropic(body);
      else if (!isPlainObject(body)) malformed('#: expected type: JSONObject');
    } catch (e) {
      if (e instanceof ValidationError) return sendBedrockError(ctx, 400, 'ValidationException', e.message);
      throw e;
    }

    const entry = emu.state.llm.scripts.take('bedrock');
    llm.scripted = !!entry;
    if (entry && entry.status !== undefined) {
      return sendBedrockError(ctx, entry.status, entry.error_code ?? defaultErrorType(entry.status), entry.message ?? defaultErrorMessage(entry.status), entry.headers ?? {});
    }
    const idPrefix = isConverse ? 'tooluse_' : 'toolu_bdrk_';
    const reply = conv
      ? (entry ? content.scriptedReply(entry, conv, idPrefix) : content.defaultReply(conv, idPrefix))
      : { text: null, toolCalls: [], usage: { input: 1, output: 1 }, headers: entry?.headers, streamError: entry?.stream_error };
    if (conv) {
      llm.stop_reason = reply.wireFinish ?? WIRE_STOP[reply.finish];
      llm.tool_calls = reply.toolCalls.map((c) => c.name);
      llm.usage = { input_tokens: reply.usage.input, output_tokens: reply.usage.output };
    }
    const latencyMs = Date.now() - started;

    switch (r.op) {
      case 'converse':
        return sendJson(ctx.res, 200, {
          output: { message: { role: 'assistant', content: converseContent(reply) } },
          stopReason: reply.wireFinish ?? WIRE_STOP[reply.finish],
          usage: converseUsage(reply),
          metrics: { latencyMs },
        }, { 'x-amzn-requestid': crypto.randomUUID(), ...(reply.headers ?? {}) });
      case 'converse-stream':
        return sendStream(ctx, emu, converseStreamEvents(reply, latencyMs), reply);
      case 'invoke': {
        const out = anthropic ? anthropicMessage(reply, model.model) : { model_id: modelId, echo: body };
        return sendRaw(ctx.res, 200, JSON.stringify(out), {
          'content-type': 'application/json',
          'x-amzn-requestid': crypto.randomUUID(),
          'x-amzn-bedrock-input-token-count': String(reply.usage.input),
          'x-amzn-bedrock-output-token-count': String(reply.usage.output),
          'x-amzn-bedrock-invocation-latency': String(latencyMs),
          ...(reply.headers ?? {}),
        });
      }
      default: {
        const events = anthropic
          ? anthropicStreamEvents(reply, model.model, latencyMs)
          : [eventFrame('chunk', { bytes: Buffer.from(JSON.stringify({ model_id: modelId, echo: body })).toString('base64') })];
        return sendStream(ctx, emu, events, reply);
      }
    }
  },

  faultResponse(ctx, fault) {
    ctx.logEntry.llm = { operation: route(ctx).op };
    return sendBedrockError(ctx, fault.status, fault.code ?? defaultErrorType(fault.status), fault.message ?? defaultErrorMessage(fault.status), fault.headers ?? {});
  },
};

module.exports.parseConverse = parseConverse;
module.exports.parseAnthropic = parseAnthropic;
