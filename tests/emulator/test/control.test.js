'use strict';
// Control API: fault injection, counters, request log, config, reset; and the HTTPS port.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { STSClient, GetCallerIdentityCommand, AssumeRoleCommand } = require('@aws-sdk/client-sts');
const { DEFAULT_CREDS, isolateAwsEnv, startForTest, request } = require('../testlib/helpers');

isolateAwsEnv();

test('control API', async (t) => {
  const emu = await startForTest(test);
  t.beforeEach(() => emu.reset());
  const sts = (extra = {}) =>
    new STSClient({ region: 'us-east-1', endpoint: emu.base, credentials: { ...DEFAULT_CREDS }, ...extra });

  await t.test('2 × 500 on sts, then success (the SDK retries)', async () => {
    const f = await emu.control('POST', 'fault', { target: 'sts', count: 2, status: 500 });
    assert.equal(f.status, 200);
    const id = await sts({ maxAttempts: 3 }).send(new GetCallerIdentityCommand({}));
    assert.equal(id.Account, '123456789012');
    const c = (await emu.control('GET', 'counters')).json;
    assert.equal(c['sts.GetCallerIdentity'], 3);
    assert.equal(c['fault.sts'], 2);
    const log = (await emu.control('GET', 'requests?target=sts')).json;
    assert.deepEqual(log.map((e) => [e.fault, e.status]), [[true, 500], [true, 500], [false, 200]]);
  });

  await t.test('an injected STS error is real STS error XML', async () => {
    await emu.control('POST', 'fault', { target: 'sts', status: 400, code: 'Throttling', message: 'Rate exceeded' });
    const err = await sts({ maxAttempts: 1 }).send(new GetCallerIdentityCommand({})).catch((e) => e);
    assert.equal(err.Code, 'Throttling');
    assert.equal(err.$metadata.httpStatusCode, 400);
  });

  await t.test('faults queue in order; raw body and headers; counter-name targets', async () => {
    await emu.control('POST', 'fault', { target: 'echo', status: 503 });
    await emu.control('POST', 'fault', { target: 'echo', status: 429, body: 'slow down', headers: { 'retry-after': '1' } });
    await emu.control('POST', 'fault', { target: 'imds.credentials', status: 500 });
    assert.equal((await emu.control('GET', 'faults')).json.length, 3);
    const a = await request(`${emu.base}/echo/x`);
    assert.equal(a.status, 503);
    assert.equal(a.headers['x-amzn-errortype'], 'ServiceUnavailableException');
    const b = await request(`${emu.base}/echo/x`);
    assert.equal(b.status, 429);
    assert.equal(b.text, 'slow down');
    assert.equal(b.headers['retry-after'], '1');
    assert.equal((await request(`${emu.base}/echo/x`)).status, 403); // unsigned, no fault left
    // an imds.credentials fault leaves the role listing alone
    assert.equal((await request(`${emu.base}/latest/meta-data/iam/security-credentials/`)).status, 200);
    assert.equal((await request(`${emu.base}/latest/meta-data/iam/security-credentials/llmauth-test-role`)).status, 500);
    assert.equal((await request(`${emu.base}/latest/meta-data/iam/security-credentials/llmauth-test-role`)).status, 200);
    const c = (await emu.control('GET', 'counters')).json;
    assert.equal(c['fault.echo'], 2);
    assert.equal(c['fault.imds'], 1);
    assert.equal(c.echo, 3);
    assert.equal(c['imds.role'], 1);
    assert.equal(c['imds.credentials'], 2);
  });

  await t.test('delay only: the request is slow, then answered normally', async () => {
    await emu.control('POST', 'fault', { target: 'container', delay_ms: 300 });
    const t0 = Date.now();
    const r = await request(`${emu.base}/container/credentials`);
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 >= 290, `took ${Date.now() - t0} ms`);
    assert.equal((await request(`${emu.base}/container/credentials`)).status, 200);
    const log = (await emu.control('GET', 'requests?target=container')).json;
    assert.deepEqual(log.map((e) => e.fault), [true, false], 'the fault was used up');
  });

  await t.test("'*' target and close: the connection is dropped", async () => {
    await emu.control('POST', 'fault', { target: '*', close: true });
    await assert.rejects(request(`${emu.base}/latest/meta-data/iam/security-credentials/`), /socket hang up|ECONNRESET/);
    assert.equal((await request(`${emu.base}/latest/meta-data/iam/security-credentials/`)).status, 200);
  });

  await t.test('fault validation', async () => {
    assert.equal((await emu.control('POST', 'fault', { target: 'nope', status: 500 })).status, 400);
    assert.equal((await emu.control('POST', 'fault', { target: 'sts' })).status, 400);
    assert.equal((await emu.control('POST', 'fault', { target: 'sts', status: 500, count: 0 })).status, 400);
    assert.equal((await emu.control('POST', 'fault', { target: 'sts', status: 500, colour: 'red' })).status, 400);
  });

  await t.test('request log redacts secrets but keeps what tests assert on', async () => {
    await sts({ maxAttempts: 1 }).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 'log-test', DurationSeconds: 900, ExternalId: 'ext-id' }));
    const [e] = (await emu.control('GET', 'requests?target=sts&limit=1')).json;
    assert.equal(e.target, 'sts');
    assert.equal(e.counter, 'sts.AssumeRole');
    assert.equal(e.method, 'POST');
    assert.equal(e.path, '/');
    assert.match(e.headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/sts\/aws4_request, SignedHeaders=\S+, Signature=<redacted>$/);
    assert.deepEqual(
      { RoleArn: e.form.RoleArn, RoleSessionName: e.form.RoleSessionName, DurationSeconds: e.form.DurationSeconds, ExternalId: e.form.ExternalId },
      { RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 'log-test', DurationSeconds: '900', ExternalId: 'ext-id' },
    );
    assert.equal(e.sigv4.valid, true);
    assert.equal(e.status, 200);
    const text = JSON.stringify((await emu.control('GET', 'requests')).json);
    assert.ok(!text.includes(DEFAULT_CREDS.secretAccessKey));
  });

  await t.test('config: merge, validation, reset', async () => {
    const r = await emu.control('POST', 'config', { imds: { mode: 'required' }, sts: { max_skew_seconds: 60 } });
    assert.equal(r.status, 200);
    assert.equal(r.json.imds.mode, 'required');
    assert.equal(r.json.imds.role, 'llmauth-test-role');
    assert.equal(r.json.sts.max_skew_seconds, 60);
    assert.equal((await emu.control('POST', 'config', { imds: { mode: 'sometimes' } })).status, 400);
    assert.equal((await emu.control('POST', 'config', { credential_ttl_seconds: 0 })).status, 400);
    assert.equal((await emu.control('POST', 'config', { no_such_key: 1 })).status, 400);
    assert.equal((await emu.control('POST', 'config', { imds: { mode: 'v1-only' }, bogus: 1 })).status, 400);
    assert.equal((await emu.control('GET', 'config')).json.imds.mode, 'required', 'a rejected patch changes nothing');
    await emu.control('POST', 'roles', { role_arn: 'arn:aws:iam::123456789012:role/r', external_id: 'xx' });
    await emu.control('POST', 'fault', { target: 'sts', status: 500 });
    await request(`${emu.base}/container/credentials`);
    await emu.reset();
    const cfg = (await emu.control('GET', 'config')).json;
    assert.deepEqual(cfg, {
      credential_ttl_seconds: null,
      sts: { max_skew_seconds: 900 },
      imds: { mode: 'optional', role: 'llmauth-test-role', region: 'us-east-1' },
      container: { authorization: null, role_arn: 'arn:aws:iam::123456789012:role/llmauth-container-role' },
      azure: {
        token_lifetime_seconds: 3599,
        refresh_in_seconds: null,
        expires_in_as_string: false,
        managed_identity: { token_lifetime_seconds: 86399, system_assigned: true },
        imds: { mode: 'available', slow_ms: 5000 },
        app_service: { identity_header: 'emulator-identity-header' },
      },
      llm: { stream_chunk_delay_ms: 0 },
      azure_openai: { token_resources: ['https://cognitiveservices.azure.com'] },
      bedrock: { max_skew_seconds: 900 },
    });
    assert.deepEqual((await emu.control('GET', 'faults')).json, []);
    assert.deepEqual((await emu.control('GET', 'requests')).json, []);
    assert.equal((await emu.control('GET', 'counters')).json.container, 0);
    // the role's external id is gone too
    await sts({ maxAttempts: 1 }).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 'after-reset' }));
  });

  await t.test('unknown routes', async () => {
    assert.equal((await request(`${emu.base}/nothing/here`)).status, 404);
    assert.equal((await emu.control('GET', 'nothing')).status, 404);
    assert.equal((await emu.control('GET', 'health')).json.ok, true);
  });

  await t.test('HTTPS port: trusted with the generated CA, refused without it', async () => {
    const ca = fs.readFileSync(emu.info.ca);
    assert.equal(emu.info.ca, `${emu.stateDir}/ca.pem`);
    const ok = await request(`${emu.info.https}/__control/health`, { ca });
    assert.equal(ok.status, 200);
    const byName = await request(`${emu.info.https.replace('127.0.0.1', 'localhost')}/latest/meta-data/iam/security-credentials/`, { ca });
    assert.equal(byName.text, 'llmauth-test-role');
    await assert.rejects(request(`${emu.info.https}/__control/health`), (e) => /self[- ]signed|unable to (verify|get)/i.test(`${e.code} ${e.message}`));
    // the official client over HTTPS, trusting the CA through its agent
    const https = require('node:https');
    const client = new STSClient({
      region: 'us-east-1',
      endpoint: emu.info.https,
      credentials: { ...DEFAULT_CREDS },
      maxAttempts: 1,
      requestHandler: { httpsAgent: new https.Agent({ ca }) },
    });
    const id = await client.send(new GetCallerIdentityCommand({}));
    assert.equal(id.Account, '123456789012');
    const [e] = (await emu.control('GET', 'requests?limit=1')).json;
    assert.equal(e.scheme, 'https');
  });
});
