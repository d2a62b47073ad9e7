'use strict';
// Azure OpenAI data plane, driven by the official `openai` npm client (OpenAI on the v1 API,
// AzureOpenAI on the deployments API, with an API key and with Entra tokens from the
// emulator's token endpoint through @azure/identity), and by raw requests for the edges.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { OpenAI, AzureOpenAI } = require('openai');
const { ClientSecretCredential, getBearerTokenProvider } = require('@azure/identity');
const { startForTest, request } = require('../testlib/helpers');
const az = require('../testlib/azure');
const { parseSse } = require('../testlib/llm');

az.isolateAzureEnv();

const KEY = 'emulator-azure-openai-key-1';
const API_VERSION = '2024-10-21';
const TOOLS = [{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { query: { type: 'string' } } } } }];

test('Azure OpenAI', async (t) => {
  const emu = await startForTest(test);
  const ca = fs.readFileSync(emu.info.ca);
  const sdkOptions = { authorityHost: emu.info.https, disableInstanceDiscovery: true, tlsOptions: { ca } };
  const v1 = (opts = {}) => new OpenAI({ baseURL: `${emu.base}/openai/v1`, apiKey: KEY, maxRetries: 0, ...opts });
  const azure = (opts = {}) => new AzureOpenAI({ endpoint: emu.base, apiKey: KEY, apiVersion: API_VERSION, deployment: 'gpt-4o', maxRetries: 0, ...opts });
  const log = async (target = 'azure_openai') => (await emu.control('GET', `requests?target=${target}`)).json;
  const raw = (path, { key = KEY, headers = {}, json, method = 'POST' } = {}) =>
    request(`${emu.base}${path}`, { method, headers: { ...(key ? { 'api-key': key } : {}), ...headers }, json });
  const chatPath = (dep = 'gpt-4o', v = API_VERSION) => `/openai/deployments/${dep}/chat/completions${v ? `?api-version=${v}` : ''}`;
  t.beforeEach(() => emu.reset());

  await t.test('OpenAI client on /openai/v1: chat completion, deterministic echo and usage', async () => {
    const r = await v1().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello emulated world' }] });
    assert.equal(r.object, 'chat.completion');
    assert.match(r.id, /^chatcmpl-/);
    assert.equal(r.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content, 'Echo: hello emulated world');
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.deepEqual(r.usage, { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    const [entry] = await log();
    assert.equal(entry.counter, 'azure_openai.chat');
    assert.deepEqual(entry.llm.auth, { kind: 'api-key', key_id: 'key1', via: 'authorization' }, 'the OpenAI client sends the key as a bearer value');
    assert.equal(entry.headers.authorization, 'Bearer <redacted>');
    assert.equal(entry.llm.deployment, 'gpt-4o-mini');
    assert.equal(entry.llm.request.messages[1].content, 'hello emulated world');
    assert.equal((await emu.control('GET', 'counters')).json['azure_openai.chat'], 1);
  });

  await t.test('OpenAI client: models list', async () => {
    const page = await v1().models.list();
    assert.deepEqual(page.data.map((m) => m.id).sort(), ['gpt-4o', 'gpt-4o-mini']);
    assert.equal((await emu.control('GET', 'counters')).json['azure_openai.models'], 1);
  });

  await t.test('OpenAI client: streaming with usage, several content deltas', async () => {
    const stream = await v1().chat.completions.create({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'one two three four' }] });
    const deltas = [];
    let finish = null;
    let usage = null;
    let role = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const c = chunk.choices[0];
      if (!c) continue;
      if (c.delta.role) role = c.delta.role;
      if (c.delta.content) deltas.push(c.delta.content);
      if (c.finish_reason) finish = c.finish_reason;
    }
    assert.equal(role, 'assistant');
    assert.deepEqual(deltas, ['Echo:', ' one', ' two', ' three', ' four']);
    assert.equal(finish, 'stop');
    assert.deepEqual(usage, { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
  });

  await t.test('OpenAI client: tool call, then tool result round trip (non-streaming and streaming)', async () => {
    const client = v1();
    const messages = [{ role: 'user', content: 'please call get_weather Paris tomorrow' }];
    const r = await client.chat.completions.create({ model: 'gpt-4o', tools: TOOLS, messages });
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    assert.equal(r.choices[0].message.content, null);
    const [call] = r.choices[0].message.tool_calls;
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { query: 'Paris tomorrow' });
    assert.match(call.id, /^call_[0-9a-f]{24}$/);

    // the same request streamed: tool call deltas reassemble to the same call
    const stream = await client.chat.completions.create({ model: 'gpt-4o', tools: TOOLS, messages, stream: true });
    const calls = [];
    let argFragments = 0;
    for await (const chunk of stream) {
      for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) {
        calls[tc.index] ??= { id: '', name: '', arguments: '' };
        if (tc.id) calls[tc.index].id = tc.id;
        if (tc.function?.name) calls[tc.index].name = tc.function.name;
        if (tc.function?.arguments) {
          calls[tc.index].arguments += tc.function.arguments;
          argFragments++;
        }
      }
    }
    assert.equal(calls.length, 1);
    assert.equal(calls[0].id, call.id, 'ids are deterministic');
    assert.equal(calls[0].name, 'get_weather');
    assert.deepEqual(JSON.parse(calls[0].arguments), { query: 'Paris tomorrow' });
    assert.ok(argFragments >= 2, 'arguments arrive in several fragments');

    const followUp = await client.chat.completions.create({
      model: 'gpt-4o',
      tools: TOOLS,
      messages: [...messages, r.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 C' }],
    });
    assert.equal(followUp.choices[0].message.content, 'Result of get_weather: sunny, 21 C');
    assert.equal(followUp.choices[0].finish_reason, 'stop');
  });

  await t.test('AzureOpenAI client (deployments API) with an API key', async () => {
    const r = await azure().chat.completions.create({ model: 'ignored-by-azure', messages: [{ role: 'user', content: 'via deployment' }] });
    assert.equal(r.choices[0].message.content, 'Echo: via deployment');
    assert.equal(r.model, 'gpt-4o-2024-11-20');
    const [entry] = await log();
    assert.equal(entry.path, '/openai/deployments/gpt-4o/chat/completions');
    assert.equal(entry.query['api-version'], API_VERSION);
    assert.deepEqual(entry.llm.auth, { kind: 'api-key', key_id: 'key1', via: 'api-key' });
    assert.equal(entry.headers['api-key'], '<redacted>', 'the api-key header is redacted');
    assert.ok(!JSON.stringify(entry).includes(KEY), 'the key appears nowhere in the log');
  });

  await t.test('AzureOpenAI client with azureADTokenProvider (Entra token from the emulator)', async () => {
    const cred = new ClientSecretCredential(az.TENANT, az.CLIENT, az.SECRET, sdkOptions);
    const azureADTokenProvider = getBearerTokenProvider(cred, az.SCOPE);
    const client = new AzureOpenAI({ endpoint: emu.base, azureADTokenProvider, apiVersion: API_VERSION, deployment: 'gpt-4o-mini', maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'entra works' }] });
    assert.equal(r.choices[0].message.content, 'Echo: entra works');
    const [entry] = await log();
    assert.equal(entry.llm.auth.kind, 'entra');
    assert.equal(entry.llm.auth.source, 'entra');
    assert.equal(entry.llm.auth.client_id, az.CLIENT);
    assert.equal(entry.llm.auth.tenant_id, az.TENANT);
    assert.equal(entry.llm.auth.resource, az.RESOURCE);
    assert.equal(entry.headers.authorization, 'Bearer <redacted>');
    assert.equal(entry.headers['api-key'], undefined);
  });

  await t.test('wrong key → 401 with Azure\'s body (AuthenticationError in the client)', async () => {
    await assert.rejects(azure({ apiKey: 'not-a-valid-key-at-all' }).chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'x' }] }), (e) => {
      assert.equal(e.status, 401);
      assert.equal(e.constructor.name, 'AuthenticationError');
      assert.match(e.message, /Access denied due to invalid subscription key or wrong API endpoint/);
      return true;
    });
    const r = await raw(chatPath(), { key: null, json: { messages: [{ role: 'user', content: 'x' }] } });
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, '401');
    assert.match(r.json.error.message, /^Access denied due to invalid subscription key/);
    const entries = await log();
    assert.deepEqual(entries.map((e) => e.llm.auth_error), ['invalid_key', 'missing']);
  });

  await t.test('bearer tokens: unknown, expired, wrong audience, denied principal, both headers', async () => {
    const reg = async (token, extra) => assert.equal((await emu.control('POST', 'azure/tokens', { token, client_id: az.CLIENT, ...extra })).status, 200);
    await reg('tok-expired', { scope: az.SCOPE, expires_in: -5 });
    await reg('tok-arm', { scope: 'https://management.azure.com/.default' });
    await reg('tok-ok', { scope: az.SCOPE });
    const call = (token, headers = {}) => raw(chatPath(), { key: null, headers: { authorization: `Bearer ${token}`, ...headers }, json: { messages: [{ role: 'user', content: 'x' }] } });
    for (const [tok, reason] of [['never-issued', 'unknown_token'], ['tok-expired', 'expired_token'], ['tok-arm', 'wrong_audience']]) {
      const r = await call(tok);
      assert.equal(r.status, 401, tok);
      assert.equal(r.json.error.code, '401');
      assert.match(r.json.error.message, /^Unauthorized\. Access token is missing, invalid, audience is incorrect \(https:\/\/cognitiveservices\.azure\.com\), or have expired\.$/);
      assert.equal((await log()).at(-1).llm.auth_error, reason);
    }
    assert.equal((await call('tok-ok')).status, 200);
    // another accepted resource through the config
    await emu.control('POST', 'config', { azure_openai: { token_resources: ['https://cognitiveservices.azure.com', 'https://management.azure.com'] } });
    assert.equal((await call('tok-arm')).status, 200);
    await emu.control('POST', 'azure/openai/denied-principals', { principal: az.CLIENT });
    const denied = await call('tok-ok');
    assert.equal(denied.status, 401);
    assert.equal(denied.json.error.code, 'PermissionDenied');
    const both = await call('tok-ok', { 'api-key': KEY });
    assert.equal(both.status, 401);
    assert.match(both.json.error.message, /not both/);
  });

  await t.test('unknown deployment → 404 DeploymentNotFound (both APIs)', async () => {
    await assert.rejects(azure({ deployment: 'gpt-5-nope' }).chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'x' }] }), (e) => {
      assert.equal(e.status, 404);
      assert.equal(e.code, 'DeploymentNotFound');
      return true;
    });
    await assert.rejects(v1().chat.completions.create({ model: 'gpt-5-nope', messages: [{ role: 'user', content: 'x' }] }), (e) => e.status === 404 && e.code === 'DeploymentNotFound');
    // a registered deployment works
    assert.deepEqual((await emu.control('POST', 'azure/openai/deployments', { name: 'gpt-5-nope', model: 'gpt-5-2025-08-07' })).json, { name: 'gpt-5-nope', model: 'gpt-5-2025-08-07' });
    const r = await v1().chat.completions.create({ model: 'gpt-5-nope', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(r.model, 'gpt-5-2025-08-07');
  });

  await t.test('api-version: required on the deployments API, checked on v1', async () => {
    const body = { messages: [{ role: 'user', content: 'x' }] };
    const missing = await raw(chatPath('gpt-4o', null), { json: body });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.code, 'MissingApiVersionParameter');
    const bad = await raw(chatPath('gpt-4o', 'yesterday'), { json: body });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'InvalidApiVersionParameter');
    assert.equal((await raw(chatPath('gpt-4o', '2025-04-01-preview'), { json: body })).status, 200);
    assert.equal((await raw('/openai/v1/chat/completions?api-version=2024-10-21', { json: { model: 'gpt-4o', ...body } })).status, 400);
    assert.equal((await raw('/openai/v1/chat/completions?api-version=preview', { json: { model: 'gpt-4o', ...body } })).status, 200);
    const models = await raw(`/openai/models?api-version=${API_VERSION}`, { method: 'GET' });
    assert.equal(models.status, 200);
    assert.equal(models.json.object, 'list');
    assert.equal((await raw('/openai/other/thing', { method: 'GET' })).status, 404);
  });

  await t.test('429 fault with retry-after: the client waits and retries, then succeeds', async () => {
    await emu.control('POST', 'fault', { target: 'azure_openai.chat', status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    const r = await azure({ maxRetries: 2 }).chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'after throttling' }] });
    const waited = Date.now() - started;
    assert.equal(r.choices[0].message.content, 'Echo: after throttling');
    assert.ok(waited >= 900, `retry-after honoured (${waited} ms)`);
    const entries = await log();
    assert.deepEqual(entries.map((e) => [e.status, e.fault]), [[429, true], [200, false]]);
    const counters = (await emu.control('GET', 'counters')).json;
    assert.equal(counters['fault.azure_openai'], 1);
    // the fault's own body shape
    await emu.control('POST', 'fault', { target: 'azure_openai', status: 429, headers: { 'retry-after': '7' } });
    const f = await raw(chatPath(), { json: { messages: [{ role: 'user', content: 'x' }] } });
    assert.equal(f.status, 429);
    assert.equal(f.headers['retry-after'], '7');
    assert.equal(f.json.error.code, '429');
    assert.match(f.json.error.message, /exceeded token rate limit/);
  });

  await t.test('validation errors are OpenAI-style 400s', async () => {
    const cases = [
      [{ messages: [] }, 'messages'],
      [{ messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
      [{ messages: [{ role: 'tool', content: 'x', tool_call_id: 'call_1' }] }, 'messages'],
      [{ messages: [{ role: 'user', content: 'x' }], tool_choice: 'required' }, 'tool_choice'],
      [{ messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'has space' } }] }, 'tools[0]'],
      [{ messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } }, 'stream_options'],
    ];
    for (const [json, param] of cases) {
      const r = await raw(chatPath(), { json });
      assert.equal(r.status, 400, JSON.stringify(json));
      assert.equal(r.json.error.type, 'invalid_request_error');
      assert.equal(r.json.error.param, param);
    }
    const notJson = await request(`${emu.base}${chatPath()}`, { method: 'POST', headers: { 'api-key': KEY, 'content-type': 'application/json' }, body: '{nope' });
    assert.equal(notJson.status, 400);
  });

  await t.test('forced tool choice and max_tokens truncation', async () => {
    const forced = await v1().chat.completions.create({ model: 'gpt-4o', tools: TOOLS, tool_choice: 'required', messages: [{ role: 'user', content: 'what about Oslo' }] });
    assert.deepEqual(JSON.parse(forced.choices[0].message.tool_calls[0].function.arguments), { query: 'what about Oslo' });
    const none = await v1().chat.completions.create({ model: 'gpt-4o', tools: TOOLS, tool_choice: 'none', messages: [{ role: 'user', content: 'call get_weather Oslo' }] });
    assert.equal(none.choices[0].message.content, 'Echo: call get_weather Oslo');
    const short = await v1().chat.completions.create({ model: 'gpt-4o', max_tokens: 3, messages: [{ role: 'user', content: 'a b c d e f' }] });
    assert.equal(short.choices[0].message.content, 'Echo: a b');
    assert.equal(short.choices[0].finish_reason, 'length');
  });

  await t.test('scripted replies: text chunks, parallel tool calls, usage, errors, order', async () => {
    const s = await emu.control('POST', 'llm/script', {
      target: 'azure_openai',
      responses: [
        { chunks: ['Hel', 'lo ', 'wörld'], usage: { input_tokens: 11, output_tokens: 22 }, headers: { 'x-scripted': 'yes' } },
        { text: 'Let me check.', tool_calls: [{ id: 'call_a', name: 'get_weather', arguments: { city: 'Oslo' } }, { name: 'lookup', arguments: {} }] },
        { status: 429, error_code: '429', message: 'slow down', headers: { 'retry-after': '3' } },
        { text: 'cut short', finish_reason: 'content_filter' },
      ],
    });
    assert.deepEqual(s.json, { target: 'azure_openai', queued: 4 });
    assert.deepEqual((await emu.control('GET', 'llm/script')).json, { azure_openai: 4, bedrock: 0 });

    const r1 = await raw(chatPath(), { json: { stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'x' }] } });
    assert.equal(r1.status, 200);
    assert.equal(r1.headers['x-scripted'], 'yes');
    assert.match(r1.headers['content-type'], /^text\/event-stream/);
    const events = parseSse(r1.text);
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    assert.deepEqual(chunks[0].choices, [], 'first: the prompt filter results');
    assert.ok(chunks[0].prompt_filter_results);
    assert.deepEqual(chunks.flatMap((c) => (c.choices[0]?.delta.content ? [c.choices[0].delta.content] : [])), ['Hel', 'lo ', 'wörld']);
    assert.deepEqual(chunks.at(-1).usage, { prompt_tokens: 11, completion_tokens: 22, total_tokens: 33 });

    const r2 = await v1().chat.completions.create({ model: 'gpt-4o', tools: TOOLS, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(r2.choices[0].message.content, 'Let me check.');
    assert.deepEqual(r2.choices[0].message.tool_calls.map((c) => [c.id.startsWith('call_'), c.function.name, JSON.parse(c.function.arguments)]), [[true, 'get_weather', { city: 'Oslo' }], [true, 'lookup', {}]]);
    assert.equal(r2.choices[0].message.tool_calls[0].id, 'call_a');
    assert.equal(r2.choices[0].finish_reason, 'tool_calls');

    const r3 = await raw(chatPath(), { json: { messages: [{ role: 'user', content: 'x' }] } });
    assert.equal(r3.status, 429);
    assert.equal(r3.headers['retry-after'], '3');
    assert.deepEqual(r3.json, { error: { code: '429', message: 'slow down' } });

    const r4 = await v1().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(r4.choices[0].finish_reason, 'content_filter');
    assert.deepEqual((await emu.control('GET', 'llm/script')).json, { azure_openai: 0, bedrock: 0 });
    assert.equal((await v1().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })).choices[0].message.content, 'Echo: x', 'back to the default');
    assert.deepEqual((await log()).map((e) => e.llm.scripted), [true, true, true, true, false]);
  });

  await t.test('scripted mid-stream error surfaces in the client\'s stream iteration', async () => {
    await emu.control('POST', 'llm/script', { target: 'azure_openai', responses: [{ text: 'a b c d e f', stream_error: { after_events: 3, type: 'server_error', message: 'model overloaded' } }] });
    const stream = await v1().chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const got = [];
    await assert.rejects(async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) got.push(chunk.choices[0].delta.content);
    }, /model overloaded/);
    assert.deepEqual(got, ['a'], '3 events: prompt filter, role, first word');
    const [entry] = await log();
    assert.equal(entry.llm.stream_events, 3);
    assert.equal(entry.llm.stream_error, 'server_error');

    // a dropped connection in the middle of the stream
    await emu.control('POST', 'llm/script', { target: 'azure_openai', responses: [{ text: 'a b c d e f', stream_error: { after_events: 4, drop: true } }] });
    const dropped = await v1().chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const before = [];
    await assert.rejects(async () => {
      for await (const chunk of dropped) if (chunk.choices[0]?.delta.content) before.push(chunk.choices[0].delta.content);
    });
    assert.deepEqual(before, ['a', ' b']);
    assert.equal((await log()).at(-1).llm.stream_error, 'drop');
  });

  await t.test('the HTTPS port serves the same routes', async () => {
    const r = await request(`${emu.info.https}/openai/v1/models`, { headers: { 'api-key': KEY }, ca });
    assert.equal(r.status, 200);
    assert.equal((await log()).at(-1).scheme, 'https');
  });

  await t.test('llm.stream_chunk_delay_ms delays every event (time to first token)', async () => {
    await emu.control('POST', 'config', { llm: { stream_chunk_delay_ms: 60 } });
    const started = Date.now();
    const stream = await v1().chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'slow' }] });
    let firstContentAt = null;
    for await (const chunk of stream) {
      if (firstContentAt === null && chunk.choices[0]?.delta.content) firstContentAt = Date.now() - started;
    }
    const total = Date.now() - started;
    // events: prompt filter, role, "Echo:", " slow", finish, [DONE] → 6 delays
    assert.ok(firstContentAt >= 170, `first content after 3 delays (${firstContentAt} ms)`);
    assert.ok(total >= 340, `whole stream after 6 delays (${total} ms)`);
  });

  await t.test('control API validation', async () => {
    const bad = [
      ['llm/script', { target: 'nope', responses: [{ text: 'x' }] }],
      ['llm/script', { target: 'azure_openai', responses: [] }],
      ['llm/script', { target: 'azure_openai', responses: [{ text: 'x', bogus: 1 }] }],
      ['llm/script', { target: 'azure_openai', responses: [{ text: 'x', stop_reason: 'end_turn' }] }],
      ['llm/script', { target: 'azure_openai', responses: [{ status: 429, text: 'x' }] }],
      ['llm/script', { target: 'azure_openai', responses: [{ status: 200 }] }],
      ['llm/script', { target: 'azure_openai', responses: [{ text: 'x', chunks: ['x'] }] }],
      ['llm/script', { target: 'azure_openai', responses: [{ tool_calls: [{ name: 'bad name' }] }] }],
      ['llm/script', { target: 'azure_openai', responses: [{ text: 'x', usage: { prompt_tokens: 1 } }] }],
      ['llm/script', { target: 'azure_openai', responses: [{ text: 'x', stream_error: { after_events: -1 } }] }],
      ['llm/script', { target: 'azure_openai', responses: [{}] }],
      ['azure/openai/keys', { key: 'short' }],
      ['azure/openai/keys', { key: 'a-long-enough-key', extra: true }],
      ['azure/openai/deployments', { name: '-bad' }],
      ['config', { llm: { stream_chunk_delay_ms: -1 } }],
      ['config', { azure_openai: { token_resources: [] } }],
    ];
    for (const [p, body] of bad) {
      const r = await emu.control('POST', p, body);
      assert.equal(r.status, 400, `${p} ${JSON.stringify(body)} → ${r.text}`);
    }
    assert.deepEqual((await emu.control('GET', 'llm/script')).json, { azure_openai: 0, bedrock: 0 }, 'a bad script queues nothing');
    assert.deepEqual((await emu.control('POST', 'azure/openai/keys', { key: 'my-extra-key-123', key_id: 'extra' })).json, { key_id: 'extra' });
    const r = await raw(chatPath(), { key: 'my-extra-key-123', json: { messages: [{ role: 'user', content: 'x' }] } });
    assert.equal(r.status, 200);
    assert.equal((await log()).at(-1).llm.auth.key_id, 'extra');
    await emu.control('POST', 'llm/script', { target: 'azure_openai', responses: [{ text: 'x' }, { text: 'y' }] });
    assert.deepEqual((await emu.control('POST', 'llm/script/clear', {})).json, { cleared: 2 });
    await emu.control('POST', 'llm/script', { target: 'azure_openai', responses: [{ text: 'x' }] });
    await emu.reset();
    assert.deepEqual((await emu.control('GET', 'llm/script')).json, { azure_openai: 0, bedrock: 0 }, 'reset clears scripts');
    assert.equal((await raw(chatPath(), { key: 'my-extra-key-123', json: { messages: [{ role: 'user', content: 'x' }] } })).status, 401, 'reset forgets added keys');
  });
});
