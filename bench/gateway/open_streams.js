// Holds N streams open through the gateway, for bench/gateway/run.sh to read the gateway's memory.
//
//   node open_streams.js UPSTREAM_PORT GATEWAY_URL GATEWAY_KEY N
//
// Starts a slow Azure-style upstream on 127.0.0.1:UPSTREAM_PORT that sends one SSE chunk at once
// and then a comment every second, never finishing; opens N streamed chat completions through
// the gateway (model "slow/gpt-4o"); prints "open N" once every one of them has delivered its
// first chunk, and keeps them open until it is killed. Loopback only.
'use strict';
const http = require('node:http');

const [upstreamPort, gatewayUrl, key, countText] = process.argv.slice(2);
const count = Number(countText);
if (!upstreamPort || !gatewayUrl || !key || !(count > 0)) {
  console.error('usage: node open_streams.js UPSTREAM_PORT GATEWAY_URL GATEWAY_KEY N');
  process.exit(2);
}
const target = new URL(gatewayUrl);
if (target.hostname !== '127.0.0.1') {
  console.error('open_streams: the gateway must be on 127.0.0.1');
  process.exit(2);
}

const chunk = (text) =>
  'data: ' +
  JSON.stringify({
    id: 'chatcmpl-slow',
    object: 'chat.completion.chunk',
    created: 1700000000,
    model: 'gpt-4o',
    choices: [{ index: 0, delta: { content: text }, finish_reason: null }],
  }) +
  '\n\n';

const upstream = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(chunk('Hello'));
  const timer = setInterval(() => res.write(': still here\n\n'), 1000);
  res.on('close', () => clearInterval(timer));
});
upstream.maxConnections = count + 16;
upstream.keepAliveTimeout = 0;

const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const body = JSON.stringify({
  model: 'slow/gpt-4o',
  stream: true,
  messages: [{ role: 'user', content: 'Hello' }],
});
const requests = [];
let open = 0;

function openOne() {
  const req = http.request(
    {
      host: '127.0.0.1',
      port: target.port,
      path: '/v1/chat/completions',
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    },
    (res) => {
      if (res.statusCode !== 200) {
        console.error(`open_streams: the gateway answered ${res.statusCode}`);
        process.exit(1);
      }
      let counted = false;
      res.on('data', () => {
        if (counted) return;
        counted = true;
        if (++open === count) console.log(`open ${count}`);
      });
      res.on('end', () => {
        console.error('open_streams: a stream ended early');
        process.exit(1);
      });
    },
  );
  req.on('error', (e) => {
    console.error(`open_streams: ${e.message}`);
    process.exit(1);
  });
  req.end(body);
  requests.push(req);
}

upstream.listen(Number(upstreamPort), '127.0.0.1', () => {
  for (let i = 0; i < count; i++) openOne();
});
setTimeout(() => {
  console.error(`open_streams: only ${open} of ${count} streams opened in 60 s`);
  process.exit(1);
}, 60000).unref();
