'use strict';
// Scripted replies: POST /__control/llm/script queues the next responses of one target
// (azure_openai or bedrock). Every chat request of that target that passes authentication and
// validation takes the first queued entry (models listings take none). Validation is strict:
// an unknown field or a bad value is a 400 and queues nothing.

const { HttpError, isPlainObject } = require('../util');

const TARGETS = ['azure_openai', 'bedrock'];
const MAX_QUEUE = 10000;

const FINISH_REASONS = ['stop', 'length', 'tool_calls', 'content_filter', 'function_call'];
const STOP_REASONS = ['end_turn', 'tool_use', 'max_tokens', 'stop_sequence', 'guardrail_intervened', 'content_filtered'];
const BEDROCK_STREAM_ERRORS = [
  'throttlingException',
  'modelStreamErrorException',
  'internalServerException',
  'validationException',
  'serviceUnavailableException',
];
const TOOL_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

const FIELDS = new Set([
  'text', 'chunks', 'tool_calls', 'finish_reason', 'stop_reason', 'usage', 'stream_error',
  'status', 'error_code', 'message', 'headers',
]);

function bad(i, msg) {
  throw new HttpError(400, `responses[${i}]: ${msg}`);
}

function validateEntry(target, r, i) {
  if (!isPlainObject(r)) bad(i, 'must be a JSON object');
  for (const k of Object.keys(r)) if (!FIELDS.has(k)) bad(i, `unknown field '${k}'`);
  if (r.headers !== undefined) {
    if (!isPlainObject(r.headers) || Object.entries(r.headers).some(([k, v]) => typeof v !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(k) || /[\r\n]/.test(v))) {
      bad(i, 'headers must be an object of header names to strings');
    }
  }
  if (r.status !== undefined) {
    if (!Number.isInteger(r.status) || r.status < 400 || r.status > 599) bad(i, 'status must be an integer in 400..599');
    const allowed = new Set(['status', 'error_code', 'message', 'headers']);
    const extra = Object.keys(r).filter((k) => !allowed.has(k));
    if (extra.length) bad(i, `an error response (status) takes only error_code, message and headers, not ${extra.join(', ')}`);
    for (const k of ['error_code', 'message']) {
      if (r[k] !== undefined && (typeof r[k] !== 'string' || r[k] === '' || r[k].length > 4096)) bad(i, `${k} must be a non-empty string`);
    }
    if (r.error_code !== undefined && !/^[\w.:/-]{1,128}$/.test(r.error_code)) bad(i, 'error_code must be 1..128 characters of [A-Za-z0-9_.:/-]');
    return;
  }
  for (const k of ['error_code', 'message']) if (r[k] !== undefined) bad(i, `${k} needs status`);
  if (r.text !== undefined && r.chunks !== undefined) bad(i, 'text and chunks exclude each other');
  if (r.text !== undefined && typeof r.text !== 'string') bad(i, 'text must be a string');
  if (r.chunks !== undefined && (!Array.isArray(r.chunks) || r.chunks.length === 0 || r.chunks.some((c) => typeof c !== 'string'))) {
    bad(i, 'chunks must be a non-empty array of strings');
  }
  if (r.tool_calls !== undefined) {
    if (!Array.isArray(r.tool_calls) || r.tool_calls.length === 0 || r.tool_calls.length > 64) bad(i, 'tool_calls must be an array of 1..64 calls');
    r.tool_calls.forEach((c, j) => {
      if (!isPlainObject(c)) bad(i, `tool_calls[${j}] must be an object`);
      for (const k of Object.keys(c)) if (!['id', 'name', 'arguments'].includes(k)) bad(i, `tool_calls[${j}]: unknown field '${k}'`);
      if (typeof c.name !== 'string' || !TOOL_NAME_RE.test(c.name)) bad(i, `tool_calls[${j}].name must match ${TOOL_NAME_RE}`);
      if (c.id !== undefined && (typeof c.id !== 'string' || !/^[\w-]{1,64}$/.test(c.id))) bad(i, `tool_calls[${j}].id must be 1..64 characters of [A-Za-z0-9_-]`);
      if (c.arguments !== undefined && !isPlainObject(c.arguments)) bad(i, `tool_calls[${j}].arguments must be a JSON object`);
    });
  }
  if (r.text === undefined && r.chunks === undefined && r.tool_calls === undefined) bad(i, 'needs text, chunks, tool_calls or status');
  if (target === 'azure_openai') {
    if (r.stop_reason !== undefined) bad(i, 'stop_reason is for bedrock; azure_openai takes finish_reason');
    if (r.finish_reason !== undefined && !FINISH_REASONS.includes(r.finish_reason)) bad(i, `finish_reason must be one of ${FINISH_REASONS.join(', ')}`);
  } else {
    if (r.finish_reason !== undefined) bad(i, 'finish_reason is for azure_openai; bedrock takes stop_reason');
    if (r.stop_reason !== undefined && !STOP_REASONS.includes(r.stop_reason)) bad(i, `stop_reason must be one of ${STOP_REASONS.join(', ')}`);
  }
  if (r.usage !== undefined) {
    if (!isPlainObject(r.usage)) bad(i, 'usage must be an object');
    for (const k of Object.keys(r.usage)) {
      if (!['input_tokens', 'output_tokens'].includes(k)) bad(i, `usage: unknown field '${k}' (input_tokens, output_tokens)`);
      if (!Number.isInteger(r.usage[k]) || r.usage[k] < 0 || r.usage[k] > 1e9) bad(i, `usage.${k} must be a non-negative integer`);
    }
  }
  if (r.stream_error !== undefined) {
    const e = r.stream_error;
    if (!isPlainObject(e)) bad(i, 'stream_error must be an object');
    for (const k of Object.keys(e)) if (!['after_events', 'type', 'message', 'drop'].includes(k)) bad(i, `stream_error: unknown field '${k}'`);
    if (!Number.isInteger(e.after_events) || e.after_events < 0 || e.after_events > 100000) bad(i, 'stream_error.after_events must be an integer >= 0');
    if (e.drop !== undefined && typeof e.drop !== 'boolean') bad(i, 'stream_error.drop must be a boolean');
    if (e.drop) {
      if (e.type !== undefined || e.message !== undefined) bad(i, 'stream_error.drop excludes type and message');
    } else {
      if (e.message !== undefined && typeof e.message !== 'string') bad(i, 'stream_error.message must be a string');
      if (target === 'bedrock') {
        if (!BEDROCK_STREAM_ERRORS.includes(e.type)) bad(i, `stream_error.type must be one of ${BEDROCK_STREAM_ERRORS.join(', ')}`);
      } else if (e.type !== undefined && (typeof e.type !== 'string' || !/^[\w.-]{1,64}$/.test(e.type))) {
        bad(i, 'stream_error.type must be an error code such as server_error');
      }
    }
  }
}

class ScriptQueues {
  constructor() {
    this.queues = Object.fromEntries(TARGETS.map((t) => [t, []]));
  }

  /** Control API: {"target", "responses":[…], "replace"?:bool} → {"target","queued"} */
  add(body) {
    if (!isPlainObject(body)) throw new HttpError(400, 'body must be a JSON object');
    for (const k of Object.keys(body)) if (!['target', 'responses', 'replace'].includes(k)) throw new HttpError(400, `unknown field '${k}'`);
    if (!TARGETS.includes(body.target)) throw new HttpError(400, `target must be one of ${TARGETS.join(', ')}`);
    if (!Array.isArray(body.responses) || body.responses.length === 0) throw new HttpError(400, 'responses must be a non-empty array');
    if (body.replace !== undefined && typeof body.replace !== 'boolean') throw new HttpError(400, 'replace must be a boolean');
    body.responses.forEach((r, i) => validateEntry(body.target, r, i));
    const q = body.replace ? [] : this.queues[body.target];
    if (q.length + body.responses.length > MAX_QUEUE) throw new HttpError(400, `at most ${MAX_QUEUE} queued responses per target`);
    q.push(...JSON.parse(JSON.stringify(body.responses)));
    this.queues[body.target] = q;
    return { target: body.target, queued: q.length };
  }

  /** Control API: {"target"?} → {"cleared": n} */
  clear(body) {
    if (!isPlainObject(body)) throw new HttpError(400, 'body must be a JSON object');
    for (const k of Object.keys(body)) if (k !== 'target') throw new HttpError(400, `unknown field '${k}'`);
    if (body.target !== undefined && !TARGETS.includes(body.target)) throw new HttpError(400, `target must be one of ${TARGETS.join(', ')}`);
    let n = 0;
    for (const t of body.target ? [body.target] : TARGETS) {
      n += this.queues[t].length;
      this.queues[t] = [];
    }
    return { cleared: n };
  }

  pending() {
    return Object.fromEntries(TARGETS.map((t) => [t, this.queues[t].length]));
  }

  /** The next scripted entry of `target`, or null. */
  take(target) {
    return this.queues[target].shift() ?? null;
  }
}

module.exports = { ScriptQueues, TARGETS, FINISH_REASONS, STOP_REASONS, BEDROCK_STREAM_ERRORS };
