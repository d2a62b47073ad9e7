'use strict';
// Deterministic replies of the emulated chat models (Azure OpenAI and Bedrock share them).
//
// Each endpoint turns its request into a neutral conversation:
//   { system: [text], messages: [{role:'user'|'assistant'|'tool', text, toolResults:[{id, text}],
//     toolCalls:[{id, name}]}], tools: [name], forcedTool: null|name|'*any*', maxTokens: null|int }
// and gets back a neutral reply:
//   { text: string|null, toolCalls: [{id, name, arguments}], finish: 'stop'|'tool_calls'|'length',
//     usage: {input, output}, scripted: false }
// which it renders in its own wire format. The rules (documented in README "Replies"):
//   1. the last message carries tool results → "Result of NAME: CONTENT" (one line per result);
//   2. tools are offered and the last user text contains "call NAME [REST]" with NAME among
//      them → a tool call to NAME with arguments {"query": REST};
//      a forced tool choice (Azure "required" / named function, Bedrock any / tool) → a call to
//      that tool (the first one for "any") with {"query": <whole last user text>};
//   3. otherwise "Echo: <last user text>".
// Token counts are word counts (runs of non-blank characters), at least 1.

const crypto = require('node:crypto');

const CALL_RE = /\bcall\s+([A-Za-z0-9_-]{1,64})\b(?:\s+([\s\S]*))?$/i;

function countWords(s) {
  if (typeof s !== 'string') return 0;
  const m = s.match(/\S+/g);
  return m ? m.length : 0;
}

/** Input tokens: the words of every text of the request (system, messages, tool results). */
function inputTokens(conv) {
  let n = 0;
  for (const s of conv.system) n += countWords(s);
  for (const m of conv.messages) {
    n += countWords(m.text);
    for (const r of m.toolResults) n += countWords(r.text);
  }
  return Math.max(1, n);
}

/** Output tokens: the words of the reply text plus the words of each call's arguments JSON. */
function outputTokens(text, toolCalls) {
  let n = countWords(text ?? '');
  for (const c of toolCalls) n += countWords(JSON.stringify(c.arguments));
  return Math.max(1, n);
}

/** Deterministic tool call id: PREFIX + 24 hex digits of a hash of the call and the conversation length. */
function toolCallId(prefix, name, args, conv, index) {
  const h = crypto.createHash('sha256').update(JSON.stringify([name, args, conv.messages.length, index])).digest('hex');
  return `${prefix}${h.slice(0, 24)}`;
}

function lastUserText(conv) {
  for (let i = conv.messages.length - 1; i >= 0; i--) {
    if (conv.messages[i].role === 'user' && conv.messages[i].text) return conv.messages[i].text;
  }
  return '';
}

function toolNameOf(conv, id) {
  for (const m of conv.messages) for (const c of m.toolCalls) if (c.id === id) return c.name;
  return null;
}

/**
 * The default (unscripted) reply.
 * @param {object} conv the neutral conversation
 * @param {string} idPrefix prefix of generated tool call ids (call_ / tooluse_ / toolu_bdrk_)
 */
function defaultReply(conv, idPrefix) {
  const input = inputTokens(conv);
  const last = conv.messages[conv.messages.length - 1];
  if (last && last.toolResults.length > 0) {
    const lines = last.toolResults.map((r) => `Result of ${toolNameOf(conv, r.id) ?? r.id}: ${r.text}`);
    const text = lines.join('\n');
    return finish({ text, toolCalls: [], input }, conv);
  }
  const userText = lastUserText(conv);
  if (conv.tools.length > 0 && conv.forcedTool !== 'none') {
    const m = CALL_RE.exec(userText);
    let call = null;
    if (m && conv.tools.includes(m[1])) call = { name: m[1], arguments: { query: (m[2] ?? '').trim() } };
    else if (conv.forcedTool === '*any*') call = { name: conv.tools[0], arguments: { query: userText } };
    else if (conv.forcedTool) call = { name: conv.forcedTool, arguments: { query: userText } };
    if (call) {
      const toolCalls = [{ id: toolCallId(idPrefix, call.name, call.arguments, conv, 0), ...call }];
      return { text: null, toolCalls, finish: 'tool_calls', usage: { input, output: outputTokens(null, toolCalls) }, scripted: false };
    }
  }
  return finish({ text: `Echo: ${userText || '(no text)'}`, toolCalls: [], input }, conv);
}

/** Applies the max-tokens limit (in words) to a text reply. */
function finish({ text, toolCalls, input }, conv) {
  let t = text;
  let reason = 'stop';
  if (conv.maxTokens !== null && conv.maxTokens !== undefined && countWords(t) > conv.maxTokens) {
    t = (t.match(/\s*\S+/g) ?? []).slice(0, conv.maxTokens).join('').trimStart();
    reason = 'length';
  }
  return { text: t, toolCalls, finish: reason, usage: { input, output: outputTokens(t, toolCalls) }, scripted: false };
}

/**
 * A scripted reply (a validated script entry, see script.js) in the neutral form. The
 * endpoint-specific finish/stop reason stays in `wireFinish` (used as sent).
 */
function scriptedReply(entry, conv, idPrefix) {
  const text = entry.chunks ? entry.chunks.join('') : entry.text ?? null;
  const toolCalls = (entry.tool_calls ?? []).map((c, i) => ({
    id: c.id ?? toolCallId(idPrefix, c.name, c.arguments ?? {}, conv, i),
    name: c.name,
    arguments: c.arguments ?? {},
  }));
  const usage = {
    input: entry.usage?.input_tokens ?? inputTokens(conv),
    output: entry.usage?.output_tokens ?? outputTokens(text, toolCalls),
  };
  return {
    text,
    chunks: entry.chunks,
    toolCalls,
    finish: toolCalls.length > 0 ? 'tool_calls' : 'stop',
    wireFinish: entry.finish_reason ?? entry.stop_reason,
    usage,
    scripted: true,
    streamError: entry.stream_error,
    headers: entry.headers,
  };
}

/** Splits reply text into stream pieces: one word each, with its leading blanks. */
function textChunks(reply) {
  if (reply.chunks) return reply.chunks.filter((c) => c !== '');
  if (!reply.text) return [];
  return reply.text.match(/\s*\S+\s*$|\s*\S+/g) ?? [reply.text];
}

/** Splits a JSON argument string into fragments of at most `size` characters (code points). */
function jsonFragments(json, size = 8) {
  const cps = Array.from(json);
  const out = [];
  for (let i = 0; i < cps.length; i += size) out.push(cps.slice(i, i + size).join(''));
  return out.length ? out : [''];
}

module.exports = {
  countWords,
  inputTokens,
  outputTokens,
  defaultReply,
  scriptedReply,
  textChunks,
  jsonFragments,
  toolCallId,
};
