'use strict';
// Helpers of the Azure OpenAI and Bedrock tests: server-sent-event and event-stream parsing,
// and a Bedrock runtime client pointed at the emulator.

const http = require('node:http');
const { BedrockRuntimeClient } = require('@aws-sdk/client-bedrock-runtime');
const { NodeHttpHandler } = require('@smithy/node-http-handler');
const { decodeFrame } = require('../src/llm/eventstream');
const { DEFAULT_CREDS } = require('./helpers');

/** "data: x\n\ndata: y\n\n" → ['x', 'y'] (only data lines; one event per blank-line block). */
function parseSse(text) {
  return text
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((b) => b.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'));
}

/** Splits an application/vnd.amazon.eventstream body into decoded frames {headers, body}. */
function decodeEventStream(buf) {
  const frames = [];
  let off = 0;
  while (off + 4 <= buf.length) {
    const len = buf.readUInt32BE(off);
    frames.push(decodeFrame(buf.subarray(off, off + len)));
    off += len;
  }
  if (off !== buf.length) throw new Error(`trailing ${buf.length - off} bytes in the event stream`);
  return frames;
}

/**
 * A BedrockRuntimeClient for the emulator. It speaks HTTP/1.1 (the SDK's default handler for
 * this client is HTTP/2, which the emulator does not serve).
 */
function bedrockClient(base, opts = {}) {
  return new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: base,
    credentials: opts.token ? undefined : { ...DEFAULT_CREDS },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
    ...opts,
  });
}

/**
 * Sends a smithy HttpRequest (as signed by SignatureV4) over plain HTTP and returns the body as
 * a Buffer: {status, headers, body}.
 */
function sendSignedBuffer(signed, { body, headers } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { method: signed.method, hostname: signed.hostname, port: signed.port, path: signed.path, headers: headers ?? signed.headers, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body ?? signed.body);
  });
}

module.exports = { parseSse, decodeEventStream, bedrockClient, sendSignedBuffer };
