#!/usr/bin/env node
'use strict';
// Feeds an answer the gateway's translator produced to the official `openai` npm client, so that
// what we emit is judged by OpenAI's own parser, not by our code
// (tests/integration/gateway/openai_converse_emulator_test.cpp).
//
// Input: one JSON object on stdin: {"body": "<the bytes to serve>", "stream": true|false}.
// A node HTTP server on 127.0.0.1 (a free port) answers the client's one request with `body`
// (text/event-stream when streaming, application/json otherwise); the client is pointed at it.
// Output on stdout, one JSON object:
//   stream:     {"ok": true, "chunks": [every chunk the client yielded], "completion": the
//                ChatCompletionStream's finalChatCompletion() (its own assembly and checks)}
//   non-stream: {"ok": true, "completion": what chat.completions.create() returned}
//   failure:    {"ok": false, "error": {"class", "message", "status", "type", "code", "param"}}
// Exit 3 when the package is not installed.

const http = require('node:http');
const path = require('node:path');
const { createRequire } = require('node:module');

function loadOpenAI() {
  const emulatorDir = path.resolve(__dirname, '..', 'emulator');
  try {
    return createRequire(path.join(emulatorDir, 'package.json'))('openai');
  } catch (e) {
    process.stderr.write(`openai is not installed in ${emulatorDir}/node_modules (npm ci there): ${e.message}\n`);
    process.exit(3);
  }
}

async function readStdin() {
  const parts = [];
  for await (const p of process.stdin) parts.push(p);
  return JSON.parse(Buffer.concat(parts).toString('utf8'));
}

function serve(body, stream) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': stream ? 'text/event-stream' : 'application/json',
        'x-request-id': 'replay',
      });
      res.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function main() {
  const { OpenAI } = loadOpenAI();
  const input = await readStdin();
  const server = await serve(input.body, input.stream);
  const client = new OpenAI({
    apiKey: 'replay-key',
    baseURL: `http://127.0.0.1:${server.address().port}/v1`,
    maxRetries: 0,
    timeout: 10000,
  });
  const params = { model: 'replayed-model', messages: [{ role: 'user', content: 'hi' }] };
  let out;
  try {
    if (input.stream) {
      const stream = client.chat.completions.stream({ ...params, stream_options: { include_usage: true } });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      out = { ok: true, chunks, completion: await stream.finalChatCompletion() };
    } else {
      out = { ok: true, completion: await client.chat.completions.create(params) };
    }
  } catch (e) {
    out = {
      ok: false,
      error: { class: e.constructor.name, message: e.message, status: e.status ?? null, type: e.type ?? null, code: e.code ?? null, param: e.param ?? null },
    };
  } finally {
    server.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
