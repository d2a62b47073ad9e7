'use strict';
// IMDS, container credentials and web identity exercised with the official
// @aws-sdk/credential-providers, which proves the emulator speaks the real protocols.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { fromInstanceMetadata, fromContainerMetadata, fromHttp, fromTokenFile } = require('@aws-sdk/credential-providers');
const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
const { isolateAwsEnv, startForTest, request } = require('../testlib/helpers');

isolateAwsEnv();

test('credential providers', async (t) => {
  const emu = await startForTest(test);
  t.beforeEach(async () => {
    await emu.reset();
    isolateAwsEnv();
  });
  const whoAmI = (creds) =>
    new STSClient({ region: 'us-east-1', endpoint: emu.base, credentials: { ...creds }, maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));

  await t.test('fromInstanceMetadata with IMDSv2 required', async () => {
    await emu.control('POST', 'config', { imds: { mode: 'required' }, credential_ttl_seconds: 7200 });
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = emu.base;
    const creds = await fromInstanceMetadata({ timeout: 2000, maxRetries: 0 })();
    assert.match(creds.accessKeyId, /^ASIA/);
    assert.ok(creds.sessionToken);
    const lifetime = creds.expiration.getTime() - Date.now();
    assert.ok(lifetime > 7000e3 && lifetime <= 7200e3, `lifetime ${lifetime}`);
    const counters = (await emu.control('GET', 'counters')).json;
    assert.ok(counters['imds.token'] >= 1, 'the SDK fetched an IMDSv2 token');
    assert.equal(counters['imds.credentials'], 1);
    const id = await whoAmI(creds);
    assert.equal(id.Arn, 'arn:aws:sts::123456789012:assumed-role/llmauth-test-role/i-0123456789abcdef0');
    // every IMDS GET carried the token (required mode would have said 401 otherwise)
    const log = (await emu.control('GET', 'requests?target=imds')).json;
    assert.ok(log.filter((e) => e.method === 'GET').every((e) => e.headers['x-aws-ec2-metadata-token'] === '<redacted>'));
    assert.equal(log.find((e) => e.method === 'PUT').headers['x-aws-ec2-metadata-token-ttl-seconds'], '21600');
  });

  await t.test('fromInstanceMetadata falls back to IMDSv1 when the token PUT is refused', async () => {
    await emu.control('POST', 'config', { imds: { mode: 'v1-only' } });
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = emu.base;
    const creds = await fromInstanceMetadata({ timeout: 2000, maxRetries: 0 })();
    assert.match(creds.accessKeyId, /^ASIA/);
    const log = (await emu.control('GET', 'requests?target=imds')).json;
    assert.equal(log.find((e) => e.method === 'PUT').status, 403);
    assert.ok(log.filter((e) => e.method === 'GET').every((e) => !('x-aws-ec2-metadata-token' in e.headers)));
  });

  await t.test('fromInstanceMetadata fails when IMDS is disabled', async () => {
    await emu.control('POST', 'config', { imds: { mode: 'disabled' } });
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = emu.base;
    await assert.rejects(fromInstanceMetadata({ timeout: 2000, maxRetries: 0 })());
  });

  await t.test('fromContainerMetadata with an authorization token', async () => {
    await emu.control('POST', 'config', { container: { authorization: 'container-auth-token-for-tests' } });
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `${emu.base}/container/credentials`;
    process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = 'container-auth-token-for-tests';
    const creds = await fromContainerMetadata({ timeout: 2000, maxRetries: 0 })();
    assert.match(creds.accessKeyId, /^ASIA/);
    const id = await whoAmI(creds);
    assert.equal(id.Arn, 'arn:aws:sts::123456789012:assumed-role/llmauth-container-role/llmauth-container-session');
    const [entry] = (await emu.control('GET', 'requests?target=container&limit=1')).json;
    assert.equal(entry.headers.authorization, 'container-auth-token-for-tests');

    process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = 'wrong-token';
    await assert.rejects(fromContainerMetadata({ timeout: 2000, maxRetries: 0 })());
    delete process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    await assert.rejects(fromContainerMetadata({ timeout: 2000, maxRetries: 0 })());
  });

  await t.test('fromHttp (the newer container provider) with a relative-style path', async () => {
    await emu.control('POST', 'config', { container: { authorization: 'Bearer pod-identity-token' } });
    const creds = await fromHttp({
      awsContainerCredentialsFullUri: `${emu.base}/container/v1/credentials/abc`,
      awsContainerAuthorizationToken: 'Bearer pod-identity-token',
    })();
    assert.match(creds.accessKeyId, /^ASIA/);
    assert.ok(creds.expiration instanceof Date);
    await assert.rejects(
      fromHttp({ awsContainerCredentialsFullUri: `${emu.base}/container/v1/credentials/abc`, awsContainerAuthorizationToken: 'Bearer nope', maxRetries: 0 })(),
    );
  });

  await t.test('fromTokenFile (web identity) against STS', async () => {
    const tokenFile = path.join(emu.stateDir, 'web-identity-token');
    fs.writeFileSync(tokenFile, 'web-identity-token-for-tests');
    process.env.AWS_ENDPOINT_URL_STS = emu.base;
    const provider = fromTokenFile({
      webIdentityTokenFile: tokenFile,
      roleArn: 'arn:aws:iam::123456789012:role/web-role',
      roleSessionName: 'from-token-file',
      clientConfig: { region: 'us-east-1', endpoint: emu.base },
    });
    const creds = await provider();
    assert.match(creds.accessKeyId, /^ASIA/);
    const id = await whoAmI(creds);
    assert.equal(id.Arn, 'arn:aws:sts::123456789012:assumed-role/web-role/from-token-file');
    const [entry] = (await emu.control('GET', 'requests?target=sts.AssumeRoleWithWebIdentity&limit=1')).json;
    assert.equal(entry.form.WebIdentityToken, 'web-identity-token-for-tests');
    assert.equal(entry.form.RoleSessionName, 'from-token-file');

    fs.writeFileSync(tokenFile, 'a-token-nobody-accepts');
    await assert.rejects(
      fromTokenFile({
        webIdentityTokenFile: tokenFile,
        roleArn: 'arn:aws:iam::123456789012:role/web-role',
        roleSessionName: 'from-token-file',
        clientConfig: { region: 'us-east-1', endpoint: emu.base, maxAttempts: 1 },
      })(),
      (e) => e.Code === 'InvalidIdentityToken' || /InvalidIdentityToken/.test(e.name),
    );
  });

  await t.test('IMDS details the SDK does not show', async () => {
    const put = (h) => request(`${emu.base}/latest/api/token`, { method: 'PUT', headers: h });
    assert.equal((await put({})).status, 400);
    assert.equal((await put({ 'x-aws-ec2-metadata-token-ttl-seconds': '0' })).status, 400);
    assert.equal((await put({ 'x-aws-ec2-metadata-token-ttl-seconds': '21601' })).status, 400);
    assert.equal((await put({ 'x-aws-ec2-metadata-token-ttl-seconds': '60', 'x-forwarded-for': '10.0.0.1' })).status, 403);
    const tok = await put({ 'x-aws-ec2-metadata-token-ttl-seconds': '60' });
    assert.equal(tok.status, 200);
    assert.equal(tok.headers['x-aws-ec2-metadata-token-ttl-seconds'], '60');
    const roleUrl = `${emu.base}/latest/meta-data/iam/security-credentials/`;
    // optional mode: v1 works, a valid token works, an unknown token is 401
    assert.equal((await request(roleUrl)).text, 'llmauth-test-role');
    assert.equal((await request(roleUrl, { headers: { 'x-aws-ec2-metadata-token': tok.text } })).status, 200);
    assert.equal((await request(roleUrl, { headers: { 'x-aws-ec2-metadata-token': 'bogus' } })).status, 401);
    assert.equal((await request(`${roleUrl}other-role`)).status, 404);
    await emu.control('POST', 'config', { imds: { mode: 'required' } });
    assert.equal((await request(roleUrl)).status, 401);
    const valid = await request(roleUrl, { headers: { 'x-aws-ec2-metadata-token': tok.text } });
    assert.equal(valid.status, 200);
    assert.match(valid.headers['x-aws-ec2-metadata-token-ttl-seconds'], /^(59|60)$/);
    const short = (await put({ 'x-aws-ec2-metadata-token-ttl-seconds': '1' })).text;
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await request(roleUrl, { headers: { 'x-aws-ec2-metadata-token': short } })).status, 401, 'expired token');
    await emu.control('POST', 'config', { imds: { mode: 'disabled' } });
    assert.equal((await put({ 'x-aws-ec2-metadata-token-ttl-seconds': '60' })).status, 404);
    await emu.control('POST', 'config', { imds: { mode: 'optional', region: 'eu-central-1' } });
    assert.equal((await request(`${emu.base}/latest/meta-data/placement/region`)).text, 'eu-central-1');
    const creds = await request(`${roleUrl}llmauth-test-role`);
    const j = JSON.parse(creds.text);
    assert.deepEqual(Object.keys(j), ['Code', 'LastUpdated', 'Type', 'AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration']);
    assert.equal(j.Code, 'Success');
    assert.match(j.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
