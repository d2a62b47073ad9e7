'use strict';
// Bedrock runtime, driven by the official @aws-sdk/client-bedrock-runtime (SigV4 with static
// and temporary credentials, bearer tokens from @aws/bedrock-token-generator, long-term API
// keys), and by raw SigV4-signed requests (@smithy/signature-v4) for the wire details.

const test = require('node:test');
const assert = require('node:assert/strict');
const {
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} = require('@aws-sdk/client-bedrock-runtime');
const { STSClient, AssumeRoleCommand } = require('@aws-sdk/client-sts');
const { getToken } = require('@aws/bedrock-token-generator');
const { SignatureV4 } = require('@smithy/signature-v4');
const { HttpRequest } = require('@smithy/protocol-http');
const { Sha256 } = require('@aws-crypto/sha256-js');
const { DEFAULT_CREDS, isolateAwsEnv, startForTest, sleep } = require('../testlib/helpers');
const { bedrockClient, decodeEventStream, sendSignedBuffer } = require('../testlib/llm');

isolateAwsEnv();
process.env.AWS_EC2_METADATA_DISABLED = 'true';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const PROFILE = 'us.anthropic.claude-3-5-sonnet-20241022-v2:0';
const PROFILE_ARN = `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${PROFILE}`;
const TOOL_CONFIG = { tools: [{ toolSpec: { name: 'search', description: 'Search the web', inputSchema: { json: { type: 'object', properties: { query: { type: 'string' } } } } } }] };
const user = (text) => ({ role: 'user', content: [{ text }] });
const LONG_TERM_KEY = 'ABSK' + Buffer.from('BedrockAPIKey-emulator-at-123456789012:emulator-long-term-secret').toString('base64');

async function collect(stream) {
  const events = [];
  for await (const ev of stream) events.push(ev);
  return events;
}

test('Bedrock runtime', async (t) => {
  const emu = await startForTest(test);
  const client = (opts) => bedrockClient(emu.base, opts);
  const log = async () => (await emu.control('GET', 'requests?target=bedrock')).json;
  const counters = async () => (await emu.control('GET', 'counters')).json;
  const signedRequest = async (path, body, { creds = DEFAULT_CREDS, uriEscapePath = true, headers = {} } = {}) => {
    const req = new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: emu.port,
      path,
      headers: { host: `127.0.0.1:${emu.port}`, 'content-type': 'application/json', ...headers },
      body,
    });
    return new SignatureV4({ credentials: { ...creds }, region: 'us-west-2', service: 'bedrock', sha256: Sha256, uriEscapePath }).sign(req);
  };
  const raw = async (op, body, opts = {}) => {
    const modelId = opts.modelId ?? HAIKU;
    const signed = await signedRequest(`/model/${encodeURIComponent(modelId)}/${op}`, typeof body === 'string' ? body : JSON.stringify(body), opts);
    const r = await sendSignedBuffer(signed);
    let json;
    try {
      json = JSON.parse(r.body.toString('utf8'));
    } catch {
      json = undefined;
    }
    return { ...r, json };
  };
  t.beforeEach(() => emu.reset());

  await t.test('Converse with static credentials: echo, usage, metrics, auth record', async () => {
    const r = await client().send(new ConverseCommand({
      modelId: HAIKU,
      system: [{ text: 'You are terse.' }],
      messages: [user('hello from the sdk')],
      inferenceConfig: { maxTokens: 100, temperature: 0.5, topP: 0.9, stopSequences: ['END'] },
    }));
    assert.deepEqual(r.output.message, { role: 'assistant', content: [{ text: 'Echo: hello from the sdk' }] });
    assert.equal(r.stopReason, 'end_turn');
    assert.deepEqual(r.usage, { inputTokens: 7, outputTokens: 5, totalTokens: 12 });
    assert.equal(typeof r.metrics.latencyMs, 'number');
    const [entry] = await log();
    assert.equal(entry.counter, 'bedrock.converse');
    assert.deepEqual(entry.llm.auth, {
      kind: 'sigv4', access_key_id: 'AKIDEXAMPLE', region: 'us-east-1', presigned: false,
      caller_arn: 'arn:aws:iam::123456789012:user/llmauth-test-user', temporary: false,
    });
    assert.equal(entry.sigv4.valid, true);
    assert.equal(entry.sigv4.service, 'bedrock');
    assert.equal(entry.llm.model_id, HAIKU);
    assert.equal(entry.path, '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse');
    assert.equal(entry.llm.request.inferenceConfig.maxTokens, 100);
    assert.match(entry.headers.authorization, /Signature=<redacted>$/);
    assert.equal((await counters())['bedrock.converse'], 1);
  });

  await t.test('model ids: inference-profile ARN, profile id, foundation-model ARN (decoded once)', async () => {
    for (const modelId of [PROFILE_ARN, PROFILE, `arn:aws:bedrock:us-west-2::foundation-model/${HAIKU}`]) {
      const r = await client().send(new ConverseCommand({ modelId, messages: [user('which model')] }));
      assert.equal(r.output.message.content[0].text, 'Echo: which model', modelId);
    }
    const entries = await log();
    assert.deepEqual(entries.map((e) => e.llm.model_id), [PROFILE_ARN, PROFILE, `arn:aws:bedrock:us-west-2::foundation-model/${HAIKU}`]);
    assert.deepEqual(entries.map((e) => e.llm.model_kind), ['inference-profile', 'inference-profile', 'foundation-model']);
    assert.deepEqual(entries.map((e) => e.llm.model), ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'anthropic.claude-3-5-sonnet-20241022-v2:0', HAIKU]);
    assert.match(entries[0].path, /^\/model\/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus\.anthropic\./, 'the SDK encodes : and / in the label');
  });

  await t.test('SigV4 path encoding: double-encoded canonical path verifies, S3-style single encoding does not', async () => {
    const body = JSON.stringify({ messages: [user('x')] });
    const path = `/model/${encodeURIComponent(PROFILE_ARN)}/converse`;
    const good = await sendSignedBuffer(await signedRequest(path, body));
    assert.equal(good.status, 200, good.body.toString());
    const s3Style = await sendSignedBuffer(await signedRequest(path, body, { uriEscapePath: false }));
    assert.equal(s3Style.status, 403);
    assert.equal(s3Style.headers['x-amzn-errortype'], 'InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/');
    const entry = (await log()).at(-1);
    assert.equal(entry.sigv4.reason, 'mismatch');
    assert.match(entry.sigv4.canonical_request, /^POST\n\/model\/arn%253Aaws%253Abedrock%253Aus-east-1%253A123456789012%253Ainference-profile%252Fus\./);
  });

  await t.test('ConverseStream: tool use streamed, then the tool result answered', async () => {
    const messages = [user('please call search best ramen in Tokyo')];
    const r = await client().send(new ConverseStreamCommand({ modelId: HAIKU, messages, toolConfig: TOOL_CONFIG }));
    const events = await collect(r.stream);
    assert.deepEqual(events.map((e) => Object.keys(e)[0]), [
      'messageStart', 'contentBlockStart', ...Array(events.length - 5).fill('contentBlockDelta'), 'contentBlockStop', 'messageStop', 'metadata',
    ]);
    assert.ok(events.length - 5 >= 3, 'the tool input arrives in several fragments');
    assert.equal(events[0].messageStart.role, 'assistant');
    const start = events[1].contentBlockStart;
    assert.equal(start.contentBlockIndex, 0);
    assert.equal(start.start.toolUse.name, 'search');
    assert.match(start.start.toolUse.toolUseId, /^tooluse_[0-9a-f]{24}$/);
    const input = events.filter((e) => e.contentBlockDelta).map((e) => e.contentBlockDelta.delta.toolUse.input).join('');
    assert.deepEqual(JSON.parse(input), { query: 'best ramen in Tokyo' });
    assert.equal(events.at(-2).messageStop.stopReason, 'tool_use');
    assert.deepEqual(events.at(-1).metadata.usage, { inputTokens: 7, outputTokens: 4, totalTokens: 11 }, 'output: the words of {"query":"best ramen in Tokyo"}');
    assert.equal((await counters())['bedrock.converse_stream'], 1);

    const toolUseId = start.start.toolUse.toolUseId;
    const next = await client().send(new ConverseCommand({
      modelId: HAIKU,
      toolConfig: TOOL_CONFIG,
      messages: [
        ...messages,
        { role: 'assistant', content: [{ toolUse: { toolUseId, name: 'search', input: JSON.parse(input) } }] },
        { role: 'user', content: [{ toolResult: { toolUseId, content: [{ text: 'Fuunji' }, { json: { stars: 5 } }] } }] },
      ],
    }));
    assert.equal(next.output.message.content[0].text, 'Result of search: Fuunji\n{"stars":5}');
    assert.equal(next.stopReason, 'end_turn');
  });

  await t.test('ConverseStream: text deltas, then a scripted text + tool use reply with block indices', async () => {
    const r = await client().send(new ConverseStreamCommand({ modelId: PROFILE_ARN, messages: [user('stream me please')] }));
    const events = await collect(r.stream);
    const texts = events.filter((e) => e.contentBlockDelta).map((e) => e.contentBlockDelta.delta.text);
    assert.deepEqual(texts, ['Echo:', ' stream', ' me', ' please']);
    assert.equal(events.find((e) => e.contentBlockStart), undefined, 'text blocks have no contentBlockStart');

    await emu.control('POST', 'llm/script', {
      target: 'bedrock',
      responses: [{ text: 'Checking.', tool_calls: [{ id: 'tooluse_fixed', name: 'search', arguments: { query: 'q' } }], usage: { input_tokens: 3, output_tokens: 4 } }],
    });
    const s = await client().send(new ConverseStreamCommand({ modelId: HAIKU, messages: [user('x')], toolConfig: TOOL_CONFIG }));
    const ev = await collect(s.stream);
    const byIndex = (i) => ev.filter((e) => (e.contentBlockDelta ?? e.contentBlockStop ?? e.contentBlockStart)?.contentBlockIndex === i);
    assert.equal(byIndex(0).map((e) => e.contentBlockDelta?.delta.text ?? '').join(''), 'Checking.');
    assert.deepEqual(byIndex(1)[0].contentBlockStart.start.toolUse, { toolUseId: 'tooluse_fixed', name: 'search' });
    assert.equal(ev.find((e) => e.messageStop).messageStop.stopReason, 'tool_use');
    assert.deepEqual(ev.at(-1).metadata.usage, { inputTokens: 3, outputTokens: 4, totalTokens: 7 });
  });

  await t.test('ConverseStream wire format: event-stream headers (raw)', async () => {
    const r = await raw('converse-stream', { messages: [user('wire')] });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/vnd.amazon.eventstream');
    const frames = decodeEventStream(r.body);
    assert.deepEqual(frames.map((f) => f.headers[':event-type']), ['messageStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata']);
    for (const f of frames) {
      assert.equal(f.headers[':message-type'], 'event');
      assert.equal(f.headers[':content-type'], 'application/json');
    }
    assert.deepEqual(JSON.parse(frames[1].body), { contentBlockIndex: 0, delta: { text: 'Echo:' } });
  });

  await t.test('mid-stream exceptions surface in the SDK stream iteration', async () => {
    await emu.control('POST', 'llm/script', {
      target: 'bedrock',
      responses: [
        { text: 'one two three four', stream_error: { after_events: 2, type: 'throttlingException', message: 'slow down mid-stream' } },
        { text: 'one two', stream_error: { after_events: 0, type: 'modelStreamErrorException' } },
      ],
    });
    const got = [];
    const r = await client().send(new ConverseStreamCommand({ modelId: HAIKU, messages: [user('x')] }));
    await assert.rejects(async () => {
      for await (const ev of r.stream) got.push(Object.keys(ev)[0]);
    }, (e) => e.name === 'ThrottlingException' && /slow down mid-stream/.test(e.message));
    assert.deepEqual(got, ['messageStart', 'contentBlockDelta']);
    // an exception in place of the first event: the SDK reads that one already inside send()
    await assert.rejects(async () => {
      const r2 = await client().send(new ConverseStreamCommand({ modelId: HAIKU, messages: [user('x')] }));
      await collect(r2.stream);
    }, (e) => e.name === 'ModelStreamErrorException' && e.message === 'The model stream was interrupted.');
    const entries = await log();
    assert.deepEqual(entries.map((e) => [e.llm.stream_events, e.llm.stream_error]), [[2, 'throttlingException'], [0, 'modelStreamErrorException']]);

    // the exception frame on the wire
    await emu.control('POST', 'llm/script', { target: 'bedrock', responses: [{ text: 'a b', stream_error: { after_events: 1, type: 'internalServerException' } }] });
    const w = await raw('converse-stream', { messages: [user('x')] });
    const frames = decodeEventStream(w.body);
    assert.equal(frames.length, 2);
    assert.deepEqual(frames[1].headers, { ':exception-type': 'internalServerException', ':content-type': 'application/json', ':message-type': 'exception' });
    assert.ok(JSON.parse(frames[1].body).message);
  });

  await t.test('InvokeModel: Anthropic messages body in, Anthropic message out; other bodies echoed', async () => {
    const body = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 256, system: 'sys', messages: [{ role: 'user', content: [{ type: 'text', text: 'raw anthropic body' }] }] };
    const r = await client().send(new InvokeModelCommand({ modelId: PROFILE, contentType: 'application/json', accept: 'application/json', body: JSON.stringify(body) }));
    assert.equal(r.contentType, 'application/json');
    const out = JSON.parse(Buffer.from(r.body).toString('utf8'));
    assert.equal(out.type, 'message');
    assert.equal(out.role, 'assistant');
    assert.equal(out.model, 'anthropic.claude-3-5-sonnet-20241022-v2:0');
    assert.deepEqual(out.content, [{ type: 'text', text: 'Echo: raw anthropic body' }]);
    assert.equal(out.stop_reason, 'end_turn');
    assert.deepEqual(out.usage, { input_tokens: 4, output_tokens: 4 });
    const [entry] = await log();
    assert.equal(entry.counter, 'bedrock.invoke');
    assert.deepEqual(entry.llm.request, body, 'the raw body arrived as sent');

    const tools = await client().send(new InvokeModelCommand({
      modelId: HAIKU,
      body: JSON.stringify({ ...body, tools: [{ name: 'search', input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'call search kittens' }] }),
    }));
    const t2 = JSON.parse(Buffer.from(tools.body).toString());
    assert.equal(t2.stop_reason, 'tool_use');
    assert.equal(t2.content[0].type, 'tool_use');
    assert.match(t2.content[0].id, /^toolu_bdrk_/);
    assert.deepEqual(t2.content[0].input, { query: 'kittens' });

    const nova = { schemaVersion: 'messages-v1', messages: [{ role: 'user', content: [{ text: 'hi nova' }] }] };
    const e = await client().send(new InvokeModelCommand({ modelId: 'amazon.nova-lite-v1:0', body: JSON.stringify(nova) }));
    assert.deepEqual(JSON.parse(Buffer.from(e.body).toString()), { model_id: 'amazon.nova-lite-v1:0', echo: nova });

    await assert.rejects(client().send(new InvokeModelCommand({ modelId: HAIKU, body: JSON.stringify({ messages: [] }) })), (err) => {
      assert.equal(err.name, 'ValidationException');
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.match(err.message, /^Malformed input request: #: required key \[anthropic_version\] not found/);
      return true;
    });
  });

  await t.test('InvokeModelWithResponseStream: Anthropic stream events in chunks', async () => {
    const body = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 50, messages: [{ role: 'user', content: 'stream raw' }] };
    const r = await client().send(new InvokeModelWithResponseStreamCommand({ modelId: HAIKU, body: JSON.stringify(body) }));
    const events = (await collect(r.body)).map((e) => JSON.parse(Buffer.from(e.chunk.bytes).toString('utf8')));
    assert.deepEqual(events.map((e) => e.type), ['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    assert.equal(events.filter((e) => e.type === 'content_block_delta').map((e) => e.delta.text).join(''), 'Echo: stream raw');
    assert.equal(events.at(-2).delta.stop_reason, 'end_turn');
    assert.equal(events.at(-1)['amazon-bedrock-invocationMetrics'].outputTokenCount, 3);
    assert.equal((await counters())['bedrock.invoke_stream'], 1);
  });

  await t.test('bearer: short-term API key from @aws/bedrock-token-generator (token config and env)', async () => {
    const token = await getToken({ credentials: { ...DEFAULT_CREDS }, region: 'us-east-1' });
    assert.match(token, /^bedrock-api-key-/);
    const c = client({ token: { token }, authSchemePreference: ['httpBearerAuth'] });
    const r = await c.send(new ConverseCommand({ modelId: PROFILE, messages: [user('bearer token')] }));
    assert.equal(r.output.message.content[0].text, 'Echo: bearer token');
    const [entry] = await log();
    assert.equal(entry.headers.authorization, 'Bearer <redacted>');
    assert.equal(entry.sigv4, undefined, 'no SigV4 header was sent');
    assert.equal(entry.llm.auth.kind, 'bearer');
    assert.equal(entry.llm.auth.api_key, 'short-term');
    assert.equal(entry.llm.auth.access_key_id, 'AKIDEXAMPLE');
    assert.equal(entry.llm.auth.caller_arn, 'arn:aws:iam::123456789012:user/llmauth-test-user');
    assert.equal(entry.llm.auth.region, 'us-east-1');
    assert.ok(Math.abs(Date.parse(entry.llm.auth.expires_at) - Date.now() - 43200 * 1000) < 5000, 'valid for 12 h');

    process.env.AWS_BEARER_TOKEN_BEDROCK = token;
    try {
      const envClient = client({ credentials: undefined });
      const e = await envClient.send(new ConverseCommand({ modelId: HAIKU, messages: [user('from env')] }));
      assert.equal(e.output.message.content[0].text, 'Echo: from env');
      assert.equal((await log()).at(-1).llm.auth.kind, 'bearer', 'AWS_BEARER_TOKEN_BEDROCK selects bearer auth');
    } finally {
      delete process.env.AWS_BEARER_TOKEN_BEDROCK;
    }
  });

  await t.test('bearer: long-term API keys (default and registered), garbage and tampered keys → 403', async () => {
    const send = (token) => client({ token: { token }, authSchemePreference: ['httpBearerAuth'] }).send(new ConverseCommand({ modelId: HAIKU, messages: [user('x')] }));
    await send(LONG_TERM_KEY);
    assert.deepEqual((await log()).at(-1).llm.auth, { kind: 'bearer', api_key: 'long-term', key_id: 'emulator-long-term-key', caller_arn: 'arn:aws:iam::123456789012:user/BedrockAPIKey-emulator', account_id: '123456789012' });
    assert.equal((await emu.control('POST', 'bedrock/api-keys', { key: 'ABSK-registered-test-key', key_id: 'k2' })).status, 200);
    await send('ABSK-registered-test-key');
    assert.equal((await log()).at(-1).llm.auth.key_id, 'k2');

    await assert.rejects(send('ABSK-never-registered-key'), (e) => e.name === 'UnrecognizedClientException' && e.$metadata.httpStatusCode === 403);
    const good = await getToken({ credentials: { ...DEFAULT_CREDS }, region: 'us-east-1' });
    const url = Buffer.from(good.slice('bedrock-api-key-'.length), 'base64').toString();
    const tampered = 'bedrock-api-key-' + Buffer.from(url.replace('X-Amz-Expires=43200', 'X-Amz-Expires=43199')).toString('base64');
    await assert.rejects(send(tampered), (e) => e.name === 'InvalidSignatureException' && e.$metadata.httpStatusCode === 403);
    const otherHost = 'bedrock-api-key-' + Buffer.from(url.replace('bedrock.amazonaws.com', 'example.com')).toString('base64');
    await assert.rejects(send(otherHost), (e) => e.name === 'UnrecognizedClientException');
    const unknownKey = await getToken({ credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) }, region: 'us-east-1' });
    await assert.rejects(send(unknownKey), (e) => e.name === 'UnrecognizedClientException');
    const entries = await log();
    assert.deepEqual(entries.slice(-4).map((e) => [e.status, e.llm.auth_error]), [[403, 'unknown_key'], [403, 'mismatch'], [403, 'unknown_key'], [403, 'unknown_key']]);
  });

  await t.test('bad signature / unknown key via the SDK → 403', async () => {
    await assert.rejects(client({ credentials: { ...DEFAULT_CREDS, secretAccessKey: 'wrong-secret' } }).send(new ConverseCommand({ modelId: HAIKU, messages: [user('x')] })), (e) => {
      assert.equal(e.name, 'InvalidSignatureException');
      assert.equal(e.$metadata.httpStatusCode, 403);
      assert.match(e.message, /signature we calculated does not match/);
      return true;
    });
    await assert.rejects(client({ credentials: { accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: 'x' } }).send(new ConverseCommand({ modelId: HAIKU, messages: [user('x')] })), (e) => e.name === 'UnrecognizedClientException');
    const r = await raw('converse', { messages: [user('x')] }, { headers: {} });
    assert.equal(r.status, 200);
    const unsigned = await sendSignedBuffer({ method: 'POST', hostname: '127.0.0.1', port: emu.port, path: `/model/${HAIKU}/converse`, headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(unsigned.status, 403);
    assert.match(unsigned.headers['x-amzn-errortype'], /^MissingAuthenticationTokenException:/);
  });

  await t.test('expiry: temporary credentials and short-term API keys', async () => {
    const sts = new STSClient({ region: 'us-east-1', endpoint: emu.base, credentials: { ...DEFAULT_CREDS }, maxAttempts: 1 });
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/bedrock-caller', RoleSessionName: 'llm' }));
    const temp = { accessKeyId: assumed.Credentials.AccessKeyId, secretAccessKey: assumed.Credentials.SecretAccessKey, sessionToken: assumed.Credentials.SessionToken };
    await client({ credentials: temp }).send(new ConverseCommand({ modelId: HAIKU, messages: [user('temporary')] }));
    const entry = (await log()).at(-1);
    assert.equal(entry.llm.auth.temporary, true);
    assert.equal(entry.llm.auth.caller_arn, 'arn:aws:sts::123456789012:assumed-role/bedrock-caller/llm');
    assert.equal(entry.headers['x-amz-security-token'], '<redacted>');

    await emu.control('POST', 'config', { credential_ttl_seconds: 1 });
    const short = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/bedrock-caller', RoleSessionName: 'short' }));
    const shortCreds = { accessKeyId: short.Credentials.AccessKeyId, secretAccessKey: short.Credentials.SecretAccessKey, sessionToken: short.Credentials.SessionToken };
    const shortToken = await getToken({ credentials: { ...DEFAULT_CREDS }, region: 'us-east-1', expiresInSeconds: 1 });
    await sleep(1300);
    await assert.rejects(client({ credentials: shortCreds }).send(new ConverseCommand({ modelId: HAIKU, messages: [user('x')] })), (e) => e.name === 'ExpiredTokenException' && e.$metadata.httpStatusCode === 403);
    await assert.rejects(client({ token: { token: shortToken }, authSchemePreference: ['httpBearerAuth'] }).send(new ConverseCommand({ modelId: HAIKU, messages: [user('x')] })), (e) => {
      assert.equal(e.name, 'ExpiredTokenException');
      assert.equal(e.$metadata.httpStatusCode, 403);
      assert.match(e.message, /expired/);
      return true;
    });
    assert.deepEqual((await log()).slice(-2).map((e) => e.llm.auth_error), ['expired_token', 'presign_expired']);
  });

  await t.test('errors: unknown model, malformed body, invalid conversation (ValidationException)', async () => {
    await assert.rejects(client().send(new ConverseCommand({ modelId: 'anthropic.claude-9-nope-v1:0', messages: [user('x')] })), (e) => {
      assert.equal(e.name, 'ValidationException');
      assert.equal(e.$metadata.httpStatusCode, 400);
      assert.equal(e.message, 'The provided model identifier is invalid.');
      return true;
    });
    const bad = await raw('converse', '{not json');
    assert.equal(bad.status, 400);
    assert.equal(bad.headers['x-amzn-errortype'], 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/');
    assert.ok(bad.json.message);
    await assert.rejects(client().send(new ConverseCommand({ modelId: HAIKU, messages: [{ role: 'assistant', content: [{ text: 'x' }] }] })), (e) => e.name === 'ValidationException' && /must start with a user message/.test(e.message));
    await assert.rejects(client().send(new ConverseCommand({ modelId: HAIKU, messages: [user('a'), user('b')] })), (e) => /alternate/.test(e.message));
    await assert.rejects(client().send(new ConverseCommand({
      modelId: HAIKU,
      messages: [user('a'), { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'search', input: {} } }] }, { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'r' }] } }] }],
    })), (e) => /toolConfig field must be defined/.test(e.message));
    // a registered model works
    await emu.control('POST', 'bedrock/models', { model_id: 'anthropic.claude-9-nope-v1:0' });
    const ok = await client().send(new ConverseCommand({ modelId: 'eu.anthropic.claude-9-nope-v1:0', messages: [user('x')] }));
    assert.equal(ok.stopReason, 'end_turn');
  });

  await t.test('throttling: fault 429 → ThrottlingException; the SDK retries it', async () => {
    await emu.control('POST', 'fault', { target: 'bedrock', status: 429 });
    await assert.rejects(client().send(new ConverseCommand({ modelId: HAIKU, messages: [user('x')] })), (e) => {
      assert.equal(e.name, 'ThrottlingException');
      assert.equal(e.$metadata.httpStatusCode, 429);
      return true;
    });
    await emu.control('POST', 'fault', { target: 'bedrock.converse', status: 429, count: 1 });
    const r = await client({ maxAttempts: 3 }).send(new ConverseCommand({ modelId: HAIKU, messages: [user('after retry')] }));
    assert.equal(r.output.message.content[0].text, 'Echo: after retry');
    assert.equal(r.$metadata.attempts, 2);
    assert.equal((await counters())['fault.bedrock'], 2);
    // scripted service errors take the same shape
    await emu.control('POST', 'llm/script', { target: 'bedrock', responses: [{ status: 503 }, { status: 400, error_code: 'AccessDeniedException', message: 'no model access' }] });
    await assert.rejects(client().send(new ConverseCommand({ modelId: HAIKU, messages: [user('x')] })), (e) => e.name === 'ServiceUnavailableException');
    await assert.rejects(client().send(new ConverseCommand({ modelId: HAIKU, messages: [user('x')] })), (e) => e.name === 'AccessDeniedException' && e.message === 'no model access');
  });

  await t.test('script validation is target-specific', async () => {
    for (const r of [
      { text: 'x', finish_reason: 'stop' },
      { text: 'x', stop_reason: 'stop' },
      { text: 'x', stream_error: { after_events: 1, type: 'server_error' } },
      { text: 'x', stream_error: { after_events: 1, drop: true, type: 'throttlingException' } },
    ]) {
      const res = await emu.control('POST', 'llm/script', { target: 'bedrock', responses: [r] });
      assert.equal(res.status, 400, JSON.stringify(r));
    }
    assert.equal((await emu.control('POST', 'bedrock/models', { model_id: 'not a model' })).status, 400);
    assert.equal((await emu.control('POST', 'bedrock/api-keys', { key: 'bedrock-api-key-abcdefghijkl' })).status, 400);
    assert.equal((await emu.control('POST', 'config', { bedrock: { max_skew_seconds: 'x' } })).status, 400);
  });
});
