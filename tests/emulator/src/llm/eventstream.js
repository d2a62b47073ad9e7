'use strict';
// AWS event-stream frames (application/vnd.amazon.eventstream) encoded by the official codec,
// @smithy/eventstream-codec.

const { EventStreamCodec } = require('@smithy/eventstream-codec');

const toUtf8 = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('utf8');
const fromUtf8 = (s) => new Uint8Array(Buffer.from(s, 'utf8'));
const codec = new EventStreamCodec(toUtf8, fromUtf8);

const str = (value) => ({ type: 'string', value });

/** An `event` frame: :event-type NAME, :content-type application/json, :message-type event. */
function eventFrame(eventType, payload) {
  return Buffer.from(codec.encode({
    headers: { ':event-type': str(eventType), ':content-type': str('application/json'), ':message-type': str('event') },
    body: fromUtf8(JSON.stringify(payload)),
  }));
}

/** An `exception` frame: :exception-type NAME, :content-type application/json, :message-type exception. */
function exceptionFrame(exceptionType, payload) {
  return Buffer.from(codec.encode({
    headers: { ':exception-type': str(exceptionType), ':content-type': str('application/json'), ':message-type': str('exception') },
    body: fromUtf8(JSON.stringify(payload)),
  }));
}

/** Decodes one frame (for tests): {headers:{name:value}, body:string}. */
function decodeFrame(buf) {
  const m = codec.decode(new Uint8Array(buf));
  const headers = {};
  for (const [k, v] of Object.entries(m.headers)) headers[k] = v.value;
  return { headers, body: toUtf8(m.body) };
}

module.exports = { eventFrame, exceptionFrame, decodeFrame };
