'use strict';
// STS endpoints exercised with the official @aws-sdk/client-sts (and @smithy/signature-v4 for
// the raw cases the client cannot produce).

const test = require('node:test');
const assert = require('node:assert/strict');
const { STSClient, AssumeRoleCommand, GetCallerIdentityCommand, AssumeRoleWithWebIdentityCommand } = require('@aws-sdk/client-sts');
const { SignatureV4 } = require('@smithy/signature-v4');
const { HttpRequest } = require('@smithy/protocol-http');
const { Sha256 } = require('@aws-crypto/sha256-js');
const { DEFAULT_CREDS, isolateAwsEnv, startForTest, sendSigned, request } = require('../testlib/helpers');

isolateAwsEnv();

const ROLE = 'arn:aws:iam::123456789012:role/llmauth-test';

test('STS', async (t) => {
  const emu = await startForTest(test);
  const sts = (credentials, extra = {}) =>
    new STSClient({ region: 'us-east-1', endpoint: emu.base, credentials: { ...credentials }, maxAttempts: 1, ...extra });
  t.beforeEach(() => emu.reset());

  await t.test('AssumeRole returns credentials that sign GetCallerIdentity', async () => {
    const out = await sts(DEFAULT_CREDS).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'sess-1' }));
    const c = out.Credentials;
    assert.match(c.AccessKeyId, /^ASIA[A-Z0-9]{16}$/);
    assert.equal(c.SecretAccessKey.length, 40);
    assert.ok(c.SessionToken.length > 100);
    const lifetime = c.Expiration.getTime() - Date.now();
    assert.ok(lifetime > 3500e3 && lifetime <= 3600e3, `lifetime ${lifetime}`);
    assert.equal(out.AssumedRoleUser.Arn, 'arn:aws:sts::123456789012:assumed-role/llmauth-test/sess-1');
    assert.match(out.AssumedRoleUser.AssumedRoleId, /^AROA[A-Z0-9]{17}:sess-1$/);

    const temp = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    const id = await sts(temp).send(new GetCallerIdentityCommand({}));
    assert.equal(id.Arn, 'arn:aws:sts::123456789012:assumed-role/llmauth-test/sess-1');
    assert.equal(id.Account, '123456789012');
    assert.equal(id.UserId, out.AssumedRoleUser.AssumedRoleId);

    const me = await sts(DEFAULT_CREDS).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, 'arn:aws:iam::123456789012:user/llmauth-test-user');
    assert.match(me.UserId, /^AIDA/);

    const counters = (await emu.control('GET', 'counters')).json;
    assert.equal(counters['sts.AssumeRole'], 1);
    assert.equal(counters['sts.GetCallerIdentity'], 2);
  });

  await t.test('wrong secret → SignatureDoesNotMatch', async () => {
    const err = await sts({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wrong' })
      .send(new GetCallerIdentityCommand({}))
      .catch((e) => e);
    assert.equal(err.Code, 'SignatureDoesNotMatch');
    assert.equal(err.$metadata.httpStatusCode, 403);
    // the request log shows what the official signer canonicalized
    const [entry] = (await emu.control('GET', 'requests?target=sts&limit=1')).json;
    assert.equal(entry.sigv4.valid, false);
    assert.match(entry.sigv4.canonical_request, /^POST\n\/\n\n/);
  });

  await t.test('unknown key → InvalidClientTokenId', async () => {
    const err = await sts({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' })
      .send(new GetCallerIdentityCommand({}))
      .catch((e) => e);
    assert.equal(err.Code, 'InvalidClientTokenId');
  });

  await t.test('registered users sign too', async () => {
    const r = await emu.control('POST', 'iam/users', {
      access_key_id: 'AKIAIOSFODNN7EXAMPLE',
      secret_access_key: 'another-secret',
      account_id: '210987654321',
      user_name: 'alice',
    });
    assert.equal(r.status, 200);
    const id = await sts({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'another-secret' }).send(new GetCallerIdentityCommand({}));
    assert.equal(id.Arn, 'arn:aws:iam::210987654321:user/alice');
    assert.equal(id.Account, '210987654321');
  });

  await t.test('ExternalId: required when the role registered one', async () => {
    await emu.control('POST', 'roles', { role_arn: ROLE, external_id: 'the-external-id' });
    const client = sts(DEFAULT_CREDS);
    const missing = await client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 's' + 'x' })).catch((e) => e);
    assert.equal(missing.Code, 'AccessDenied');
    assert.equal(missing.$metadata.httpStatusCode, 403);
    const wrong = await client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'sx', ExternalId: 'nope-nope' })).catch((e) => e);
    assert.equal(wrong.Code, 'AccessDenied');
    const ok = await client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'sx', ExternalId: 'the-external-id' }));
    assert.ok(ok.Credentials.AccessKeyId);
    const [entry] = (await emu.control('GET', 'requests?target=sts.AssumeRole&limit=1')).json;
    assert.equal(entry.form.ExternalId, 'the-external-id');
    assert.equal(entry.form.RoleArn, ROLE);
    assert.equal(entry.form.RoleSessionName, 'sx');
  });

  await t.test('parameter validation', async () => {
    const client = sts(DEFAULT_CREDS);
    const badArn = await client.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123:role/x', RoleSessionName: 'sx' })).catch((e) => e);
    assert.equal(badArn.Code, 'ValidationError');
    const badName = await client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'has space' })).catch((e) => e);
    assert.equal(badName.Code, 'ValidationError');
    const short = await client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'sx', DurationSeconds: 899 })).catch((e) => e);
    assert.equal(short.Code, 'ValidationError');
    await emu.control('POST', 'roles', { role_arn: ROLE, max_duration_seconds: 7200 });
    const long = await client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'sx', DurationSeconds: 7201 })).catch((e) => e);
    assert.equal(long.Code, 'ValidationError');
    assert.match(long.message, /MaxSessionDuration/);
    const ok = await client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'sx', DurationSeconds: 7200 }));
    const lifetime = ok.Credentials.Expiration.getTime() - Date.now();
    assert.ok(lifetime > 7100e3 && lifetime <= 7200e3);
    // role chaining is limited to one hour
    const c = ok.Credentials;
    const chained = sts({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken });
    const tooLong = await chained.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'chain', DurationSeconds: 7200 })).catch((e) => e);
    assert.equal(tooLong.Code, 'ValidationError');
    assert.match(tooLong.message, /role chaining/);
    const hop = await chained.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'chain' }));
    assert.match(hop.Credentials.AccessKeyId, /^ASIA/);
  });

  await t.test('credential_ttl_seconds shortens issued credentials', async () => {
    await emu.control('POST', 'config', { credential_ttl_seconds: 5 });
    const out = await sts(DEFAULT_CREDS).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'short', DurationSeconds: 3600 }));
    const lifetime = out.Credentials.Expiration.getTime() - Date.now();
    assert.ok(lifetime <= 5000 && lifetime > 2000, `lifetime ${lifetime}`);
  });

  await t.test('AssumeRoleWithWebIdentity: accepted and rejected tokens', async () => {
    const client = new STSClient({ region: 'us-east-1', endpoint: emu.base, maxAttempts: 1 });
    const ok = await client.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'web', WebIdentityToken: 'web-identity-token-for-tests' }));
    assert.match(ok.Credentials.AccessKeyId, /^ASIA/);
    assert.equal(ok.AssumedRoleUser.Arn, 'arn:aws:sts::123456789012:assumed-role/llmauth-test/web');
    assert.ok(ok.SubjectFromWebIdentityToken);
    assert.ok(ok.Provider);
    assert.ok(ok.Audience);
    const bad = await client.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'web', WebIdentityToken: 'not-accepted' })).catch((e) => e);
    assert.equal(bad.Code, 'InvalidIdentityToken');
    assert.equal(bad.$metadata.httpStatusCode, 400);
    // tokens can be registered; JWT claims feed Subject/Audience/Provider
    const claims = Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:ns:sa', aud: 'sts.amazonaws.com', iss: 'https://oidc.example.test/id/ABC' })).toString('base64url');
    const jwt = `eyJhbGciOiJSUzI1NiJ9.${claims}.c2ln`;
    assert.equal((await emu.control('POST', 'web-identity-tokens', { token: jwt })).status, 200);
    const j = await client.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'web', WebIdentityToken: jwt }));
    assert.equal(j.SubjectFromWebIdentityToken, 'system:serviceaccount:ns:sa');
    assert.equal(j.Provider, 'oidc.example.test/id/ABC');
    const [entry] = (await emu.control('GET', 'requests?target=sts&limit=1')).json;
    assert.equal(entry.form.WebIdentityToken, jwt);
  });

  await t.test('temporary credentials: wrong token, expired token', async () => {
    await emu.control('POST', 'config', { credential_ttl_seconds: 1 });
    const out = await sts(DEFAULT_CREDS).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'exp' }));
    const c = out.Credentials;
    const wrongToken = await sts({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: 'bogus' })
      .send(new GetCallerIdentityCommand({}))
      .catch((e) => e);
    assert.equal(wrongToken.Code, 'InvalidClientTokenId');
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await sts({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken })
      .send(new GetCallerIdentityCommand({}))
      .catch((e) => e);
    assert.equal(expired.Code, 'ExpiredToken');
  });

  await t.test('raw: clock skew, presigned GET, JSON answers, unknown action', async () => {
    const port = emu.port;
    const mk = (query, headers = {}) =>
      new HttpRequest({ method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port, path: '/', query, headers: { host: `127.0.0.1:${port}`, ...headers } });
    const signer = new SignatureV4({ credentials: DEFAULT_CREDS, region: 'eu-west-1', service: 'sts', sha256: Sha256 });
    const q = { Action: 'GetCallerIdentity', Version: '2011-06-15' };

    const old = await sendSigned(await signer.sign(mk(q), { signingDate: new Date(Date.now() - 20 * 60e3) }));
    assert.equal(old.status, 403);
    assert.match(old.text, /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.match(old.text, /Signature expired: \d{8}T\d{6}Z is now earlier than/);

    const presigned = await sendSigned(await signer.presign(mk(q), { expiresIn: 60 }));
    assert.equal(presigned.status, 200, presigned.text);
    assert.match(presigned.text, /<GetCallerIdentityResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/">/);
    assert.match(presigned.text, /<Arn>arn:aws:iam::123456789012:user\/llmauth-test-user<\/Arn>/);

    const expiredPresign = await sendSigned(await signer.presign(mk(q), { expiresIn: 60, signingDate: new Date(Date.now() - 120e3) }));
    assert.equal(expiredPresign.status, 403);

    const json = await sendSigned(await signer.sign(mk(q, { accept: 'application/json' })));
    assert.equal(json.status, 200);
    assert.equal(json.json.GetCallerIdentityResponse.GetCallerIdentityResult.Account, '123456789012');
    assert.ok(json.json.GetCallerIdentityResponse.ResponseMetadata.RequestId);

    const wrongService = await sendSigned(
      await new SignatureV4({ credentials: DEFAULT_CREDS, region: 'us-east-1', service: 'bedrock', sha256: Sha256 }).sign(mk(q)),
    );
    assert.equal(wrongService.status, 403);
    assert.match(wrongService.text, /SignatureDoesNotMatch/);

    const unknown = await request(`${emu.base}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetSessionToken&Version=2011-06-15' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /<Code>InvalidAction<\/Code>/);

    const unsigned = await request(`${emu.base}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=AssumeRole&Version=2011-06-15&RoleArn=x&RoleSessionName=y' });
    assert.equal(unsigned.status, 403);
    assert.match(unsigned.text, /<Code>MissingAuthenticationToken<\/Code>/);
    assert.match(unsigned.text, /<ErrorResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/">\s*<Error>\s*<Type>Sender<\/Type>/);
  });
});
