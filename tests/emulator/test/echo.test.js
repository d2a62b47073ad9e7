'use strict';
// The signed-request echo, driven by the official SignatureV4 from @smithy/signature-v4.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { SignatureV4 } = require('@smithy/signature-v4');
const { HttpRequest } = require('@smithy/protocol-http');
const { Sha256 } = require('@aws-crypto/sha256-js');
const { STSClient, AssumeRoleCommand } = require('@aws-sdk/client-sts');
const { DEFAULT_CREDS, isolateAwsEnv, startForTest, sendSigned, request } = require('../testlib/helpers');

isolateAwsEnv();

const FIXED_DATE = new Date('2024-05-06T07:08:09Z'); // no clock check on /echo/

test('echo', async (t) => {
  const emu = await startForTest(test);
  t.beforeEach(() => emu.reset());
  const port = emu.port;
  const body = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'hi' }] }] });
  const converse = (headers = {}, b = body) =>
    new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      path: '/echo/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse',
      query: { a: 'b c', z: '1' },
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', ...headers },
      body: b,
    });
  const signer = (creds = DEFAULT_CREDS, opts = {}) =>
    new SignatureV4({ credentials: { ...creds }, region: 'us-west-2', service: 'bedrock', sha256: Sha256, ...opts });

  await t.test('header-signed request is valid', async () => {
    const signed = await signer().sign(converse(), { signingDate: FIXED_DATE });
    const r = await sendSigned(signed);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.valid, true);
    assert.equal(r.json.access_key_id, 'AKIDEXAMPLE');
    assert.equal(r.json.service, 'bedrock');
    assert.equal(r.json.region, 'us-west-2');
    assert.equal(r.json.method, 'POST');
    assert.equal(r.json.path, '/echo/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse');
    assert.deepEqual(r.json.query, { a: 'b c', z: '1' });
    assert.equal(r.json.body_sha256, crypto.createHash('sha256').update(body).digest('hex'));
    assert.ok(r.json.signed_headers.includes('host'));
    assert.equal(r.json.signature, /Signature=([0-9a-f]+)/.exec(signed.headers.authorization)[1]);
    assert.equal((await emu.control('GET', 'counters')).json.echo, 1);
  });

  await t.test('tampered body → 403 InvalidSignatureException (with and without x-amz-content-sha256)', async () => {
    for (const applyChecksum of [true, false]) {
      const signed = await signer(DEFAULT_CREDS, { applyChecksum }).sign(converse(), { signingDate: FIXED_DATE });
      assert.equal('x-amz-content-sha256' in signed.headers, applyChecksum);
      const r = await sendSigned(signed, { body: body.replace('hi', 'ho') });
      assert.equal(r.status, 403, r.text);
      assert.equal(r.headers['x-amzn-errortype'], 'InvalidSignatureException');
      assert.equal(r.json.valid, false);
    }
  });

  await t.test('tampered header or path → 403 with diagnostics', async () => {
    const signed = await signer().sign(converse({ 'x-custom': 'one' }), { signingDate: FIXED_DATE });
    const r = await sendSigned(signed, { headers: { ...signed.headers, 'x-custom': 'two' } });
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-amzn-errortype'], 'InvalidSignatureException');
    assert.match(r.json.expected_signature, /^[0-9a-f]{64}$/);
    assert.match(r.json.canonical_request, /\nx-custom:two\n/);
    assert.match(r.json.string_to_sign, /^AWS4-HMAC-SHA256\n20240506T070809Z\n20240506\/us-west-2\/bedrock\/aws4_request\n/);
  });

  await t.test('UNSIGNED-PAYLOAD skips the body', async () => {
    const signed = await signer().sign(converse({ 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }), { signingDate: FIXED_DATE });
    const r = await sendSigned(signed, { body: 'anything at all' });
    assert.equal(r.status, 200, r.text);
  });

  await t.test('repeated header lines fold with ","', async () => {
    const signed = await signer().sign(converse({ 'my-header1': 'value2,value2,value1' }), { signingDate: FIXED_DATE });
    const r = await sendSigned(signed, { headers: { ...signed.headers, 'my-header1': ['value2', 'value2', 'value1'] } });
    assert.equal(r.status, 200, r.text);
  });

  await t.test('presigned URL is valid; tampering is not', async () => {
    const get = new HttpRequest({
      method: 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      path: '/echo/presigned/thing',
      query: { Action: 'CallWithBearerToken' },
      headers: { host: `127.0.0.1:${port}` },
    });
    const presigned = await signer().presign(get, { expiresIn: 900, signingDate: FIXED_DATE });
    assert.ok(presigned.query['X-Amz-Signature']);
    const r = await sendSigned(presigned);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.presigned, true);
    assert.equal(r.json.expires_in, 900);
    const bad = await sendSigned({ ...presigned, query: { ...presigned.query, Action: 'Other' } });
    assert.equal(bad.status, 403);
    assert.equal(bad.headers['x-amzn-errortype'], 'InvalidSignatureException');
  });

  await t.test('unknown key → UnrecognizedClientException; unsigned → 403', async () => {
    const signed = await signer({ accessKeyId: 'AKIANOTREGISTERED000', secretAccessKey: 'x' }).sign(converse(), { signingDate: FIXED_DATE });
    const r = await sendSigned(signed);
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-amzn-errortype'], 'UnrecognizedClientException');
    const u = await request(`${emu.base}/echo/x`, { method: 'POST', body: '{}' });
    assert.equal(u.status, 403);
    assert.equal(u.json.valid, false);
  });

  await t.test('issued temporary credentials sign; expired ones → ExpiredTokenException', async () => {
    await emu.control('POST', 'config', { credential_ttl_seconds: 1 });
    const sts = new STSClient({ region: 'us-east-1', endpoint: emu.base, credentials: { ...DEFAULT_CREDS }, maxAttempts: 1 });
    const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/echo', RoleSessionName: 'echo' }));
    const temp = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    const ok = await sendSigned(await signer(temp).sign(converse(), { signingDate: FIXED_DATE }));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.temporary, true);
    assert.equal(ok.json.caller_arn, 'arn:aws:sts::123456789012:assumed-role/echo/echo');
    const noToken = await sendSigned(await signer({ accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey }).sign(converse(), { signingDate: FIXED_DATE }));
    assert.equal(noToken.headers['x-amzn-errortype'], 'UnrecognizedClientException');
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await sendSigned(await signer(temp).sign(converse(), { signingDate: FIXED_DATE }));
    assert.equal(expired.status, 403);
    assert.equal(expired.headers['x-amzn-errortype'], 'ExpiredTokenException');
    // the request log hides the signature and the token but keeps the key id
    const [entry] = (await emu.control('GET', 'requests?target=echo&limit=1')).json;
    assert.match(entry.headers.authorization, new RegExp(`^AWS4-HMAC-SHA256 Credential=${temp.accessKeyId}/20240506/us-west-2/bedrock/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=<redacted>$`));
    assert.equal(entry.headers['x-amz-security-token'], '<redacted>');
  });
});
