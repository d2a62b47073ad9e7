'use strict';
// Writes the AWS event-stream fixtures the C++ decoder is tested against. The frames are encoded
// by AWS's own codec (@smithy/eventstream-codec, installed for the emulator), never by llmauth.
//
// Regenerate (after `npm ci` in tests/emulator):
//   node tests/data/eventstream/make-fixtures.js
// Writes, next to this script:
//   converse_stream.bin    a Bedrock ConverseStream answer: messageStart, contentBlockDelta x8,
//                          contentBlockStop, messageStop, metadata
//   all_header_types.bin   one message carrying every header type, with a binary payload
//   exception.bin          a throttlingException (:message-type exception)
//   empty_payload.bin      a message with headers and no payload, then one with neither
//   expected.json          what each file holds: the messages as given to the encoder, headers
//                          in wire order {name, type (the wire tag), integer (decimal string) |
//                          base64 (raw bytes of bytes/string/uuid) | nothing (booleans)} and
//                          payload_base64.
// The output is deterministic: running it again gives identical files.

const fs = require('node:fs');
const path = require('node:path');

const emulatorDir = path.join(__dirname, '..', '..', 'emulator');
const load = (name) => require(require.resolve(name, { paths: [emulatorDir] }));
const { EventStreamCodec, Int64 } = load('@smithy/eventstream-codec');
const { toUtf8, fromUtf8 } = load('@smithy/util-utf8');

const codec = new EventStreamCodec(toUtf8, fromUtf8);

const TAGS = {
  boolean: (v) => (v ? 0 : 1), byte: 2, short: 3, integer: 4, long: 5, binary: 6, string: 7,
  timestamp: 8, uuid: 9,
};

// The expected decoding of one header, from the value handed to the encoder.
function expectedHeader(name, h) {
  const tag = typeof TAGS[h.type] === 'function' ? TAGS[h.type](h.value) : TAGS[h.type];
  const out = { name, type: tag };
  switch (h.type) {
    case 'boolean': break;
    case 'byte': case 'short': case 'integer': out.integer = String(h.value); break;
    case 'long': out.integer = Buffer.from(h.value.bytes).readBigInt64BE(0).toString(); break;
    case 'timestamp': out.integer = String(h.value.valueOf()); break;
    case 'binary': out.base64 = Buffer.from(h.value).toString('base64'); break;
    case 'string': out.base64 = Buffer.from(h.value, 'utf8').toString('base64'); break;
    case 'uuid': out.base64 = Buffer.from(h.value.replace(/-/g, ''), 'hex').toString('base64'); break;
    default: throw new Error(`unknown header type ${h.type}`);
  }
  return out;
}

function message(headers, body) {
  const bytes = Buffer.from(codec.encode({ headers, body: new Uint8Array(body) }));
  const expected = {
    headers: Object.entries(headers).map(([name, h]) => expectedHeader(name, h)),
    payload_base64: Buffer.from(body).toString('base64'),
  };
  // Cross-check with the official decoder, so a fixture can never disagree with AWS's codec.
  const decoded = codec.decode(new Uint8Array(bytes));
  if (Buffer.compare(Buffer.from(decoded.body), Buffer.from(body)) !== 0) throw new Error('body');
  if (Object.keys(decoded.headers).join() !== Object.keys(headers).join()) throw new Error('headers');
  return { bytes, expected };
}

const str = (value) => ({ type: 'string', value });
const json = (obj) => Buffer.from(JSON.stringify(obj), 'utf8');

function event(type, payload) {
  return message({
    ':event-type': str(type), ':content-type': str('application/json'), ':message-type': str('event'),
  }, json(payload));
}

// Bedrock pads every event with a "p" field of random letters (so sizes do not leak the
// content); fixed strings here keep the fixtures deterministic.
const pad = (n) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.slice(0, n);

const fixtures = {
  'converse_stream.bin': [
    event('messageStart', { p: pad(7), role: 'assistant' }),
    ...['The', ' sky', ' looks', ' blue because', ' air molecules', ' scatter short', ' (blue)',
      ' wavelengths of sunlight — Rayleigh scattering.']
      .map((text, i) => event('contentBlockDelta', { contentBlockIndex: 0, delta: { text }, p: pad(3 + i * 5) })),
    event('contentBlockStop', { contentBlockIndex: 0, p: pad(31) }),
    event('messageStop', { p: pad(12), stopReason: 'end_turn' }),
    event('metadata', {
      metrics: { latencyMs: 412 }, p: pad(20),
      usage: { inputTokens: 18, outputTokens: 27, totalTokens: 45 },
    }),
  ],
  'all_header_types.bin': [
    message({
      'bool-true': { type: 'boolean', value: true },
      'bool-false': { type: 'boolean', value: false },
      'byte': { type: 'byte', value: -7 },
      'short': { type: 'short', value: -12345 },
      'integer': { type: 'integer', value: 2000000123 },
      'long': { type: 'long', value: new Int64(Uint8Array.from([0x80, 1, 2, 3, 4, 5, 6, 7])) },
      'long-small': { type: 'long', value: Int64.fromNumber(-42) },
      'binary': { type: 'binary', value: Uint8Array.from([0, 1, 0x7f, 0x80, 0xfe, 0xff]) },
      'string': { type: 'string', value: 'héllo → wörld' },
      'timestamp': { type: 'timestamp', value: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)) },
      'uuid': { type: 'uuid', value: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' },
      ':event-type': str('chunk'),
    }, Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7b, 0x7d, 0x0d, 0x0a])),
  ],
  'exception.bin': [
    message({
      ':exception-type': str('throttlingException'), ':content-type': str('application/json'),
      ':message-type': str('exception'),
    }, json({ message: 'Too many tokens, please wait before trying again.' })),
  ],
  'empty_payload.bin': [
    message({ ':event-type': str('ping'), ':message-type': str('event') }, Buffer.alloc(0)),
    message({}, Buffer.alloc(0)),
  ],
};

const expected = {};
for (const [file, messages] of Object.entries(fixtures)) {
  fs.writeFileSync(path.join(__dirname, file), Buffer.concat(messages.map((m) => m.bytes)));
  expected[file] = messages.map((m) => m.expected);
}
fs.writeFileSync(path.join(__dirname, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`);
