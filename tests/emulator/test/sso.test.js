'use strict';
// IAM Identity Center (SSO): the portal's GetRoleCredentials and the OIDC refresh_token grant,
// exercised with the official fromSSO (@aws-sdk/credential-providers, which uses
// @aws-sdk/credential-provider-sso and @aws-sdk/token-providers). The SDK finds the emulator
// through AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC only (no endpoint passed in code), and
// reads the token cache under $HOME/.aws/sso/cache like `aws sso login` leaves it.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { fromSSO } = require('@aws-sdk/credential-providers');
const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
const { isolateAwsEnv, startForTest, request } = require('../testlib/helpers');

isolateAwsEnv();

const ACCOUNT = '111122223333';
const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex');

test('IAM Identity Center (SSO)', async (t) => {
  const emu = await startForTest(test);
  let home;
  let n = 0;
  t.beforeEach(async () => {
    await emu.reset();
    isolateAwsEnv();
    home = fs.mkdtempSync(path.join(emu.stateDir, 'home-'));
    process.env.HOME = home;
    process.env.AWS_ENDPOINT_URL_SSO = emu.base;
    process.env.AWS_ENDPOINT_URL_SSO_OIDC = emu.base;
  });
  // A config file of its own per test: the SDK caches parsed files by path.
  const writeConfig = (text) => {
    const file = path.join(home, `config-${++n}`);
    fs.writeFileSync(file, text);
    process.env.AWS_CONFIG_FILE = file;
  };
  const cacheFile = (key) => path.join(home, '.aws', 'sso', 'cache', `${sha1(key)}.json`);
  const writeCache = (key, token) => {
    fs.mkdirSync(path.dirname(cacheFile(key)), { recursive: true });
    fs.writeFileSync(cacheFile(key), JSON.stringify(token));
  };
  const mint = async (body = {}) => {
    const r = await emu.control('POST', 'sso/sessions', body);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const whoAmI = (creds) =>
    new STSClient({ region: 'us-east-1', endpoint: emu.base, credentials: { ...creds }, maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
  const counters = async () => (await emu.control('GET', 'counters')).json;
  const lastRequest = async (target) => (await emu.control('GET', `requests?target=${target}&limit=1`)).json[0];

  const legacyConfig = (start) =>
    `[profile legacy]\nsso_start_url = ${start}\nsso_region = us-east-1\nsso_account_id = ${ACCOUNT}\nsso_role_name = ReadOnly\n`;
  // The JS SDK tries one refresh per session name every 30 s: each test uses its own name.
  const sessionConfig = (name) =>
    `[profile dev]\nsso_session = ${name}\nsso_account_id = ${ACCOUNT}\nsso_role_name = ReadOnly\n` +
    `[sso-session ${name}]\nsso_start_url = https://emulator.awsapps.com/start\nsso_region = us-east-1\n` +
    `sso_registration_scopes = sso:account:access\n`;

  await t.test('legacy profile: fromSSO gets role credentials that sign STS calls', async () => {
    const session = await mint({ refresh_token: false });
    assert.equal(session.refreshToken, undefined);
    writeConfig(legacyConfig(session.startUrl));
    writeCache(session.startUrl, { startUrl: session.startUrl, region: 'us-east-1', accessToken: session.accessToken, expiresAt: session.expiresAt });

    const creds = await fromSSO({ profile: 'legacy' })();
    assert.match(creds.accessKeyId, /^ASIA[A-Z0-9]{16}$/);
    const lifetime = creds.expiration.getTime() - Date.now();
    assert.ok(lifetime > 3500e3 && lifetime <= 3600e3, `lifetime ${lifetime}`);
    const id = await whoAmI(creds);
    assert.match(id.Arn, new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_ReadOnly_[0-9a-z]{16}/llmauth-sso-user$`));
    assert.equal(id.Account, ACCOUNT);

    assert.equal((await counters())['sso.GetRoleCredentials'], 1);
    const entry = await lastRequest('sso');
    assert.equal(entry.headers['x-amz-sso_bearer_token'], '<redacted>');
    assert.equal(entry.query.account_id, ACCOUNT);
    assert.equal(entry.query.role_name, 'ReadOnly');
    assert.equal(entry.sso.token_valid, true);
  });

  await t.test('a token the emulator did not issue is refused with 401', async () => {
    const start = 'https://emulator.awsapps.com/start';
    writeConfig(legacyConfig(start));
    const expiresAt = new Date(Date.now() + 3600e3).toISOString();
    writeCache(start, { startUrl: start, region: 'us-east-1', accessToken: 'aoa-not-a-token-the-emulator-issued', expiresAt });
    const err = await fromSSO({ profile: 'legacy' })().catch((e) => e);
    assert.ok(err instanceof Error);
    assert.match(String(err.message), /Session token not found or invalid/);
    const entry = await lastRequest('sso');
    assert.equal(entry.status, 401);
    assert.equal(entry.sso.token_valid, false);
    assert.equal((await counters())['sts.GetCallerIdentity'], 0);
  });

  await t.test('a revoked token is refused; an unassigned role is forbidden (403)', async () => {
    const session = await mint({ refresh_token: false, roles: [{ account_id: ACCOUNT, role_name: 'ReadOnly' }] });
    writeConfig(legacyConfig(session.startUrl) +
      `[profile other-role]\nsso_start_url = ${session.startUrl}\nsso_region = us-east-1\nsso_account_id = ${ACCOUNT}\nsso_role_name = Admin\n`);
    writeCache(session.startUrl, { accessToken: session.accessToken, expiresAt: session.expiresAt });

    assert.match((await fromSSO({ profile: 'legacy' })()).accessKeyId, /^ASIA/);
    await assert.rejects(fromSSO({ profile: 'other-role' })(), /No access/);
    assert.equal((await lastRequest('sso')).status, 403);

    assert.deepEqual((await emu.control('POST', 'sso/revoke', { access_token: session.accessToken })).json, { revoked: true });
    await assert.rejects(fromSSO({ profile: 'legacy' })(), /Session token not found or invalid/);
  });

  await t.test('sso-session profile: the token provider refreshes a token about to expire', async () => {
    // The JS SDK refreshes within 5 minutes of expiry.
    const session = await mint({ expires_in_seconds: 120, refreshed_expires_in_seconds: 7200 });
    writeConfig(sessionConfig('corp'));
    writeCache('corp', { ...session, expiresIn: undefined });
    const creds = await fromSSO({ profile: 'dev' })();
    assert.match(creds.accessKeyId, /^ASIA/);
    assert.equal((await whoAmI(creds)).Account, ACCOUNT);

    const c = await counters();
    assert.equal(c['sso_oidc.CreateToken'], 1);
    assert.equal(c['sso.GetRoleCredentials'], 1);
    const oidc = await lastRequest('sso_oidc');
    assert.deepEqual(oidc.sso, { operation: 'CreateToken', grant_type: 'refresh_token', client_id: session.clientId, ok: true });

    // The SDK wrote the new token back; the refresh token rotated and the old one is spent.
    const saved = JSON.parse(fs.readFileSync(cacheFile('corp'), 'utf8'));
    assert.notEqual(saved.accessToken, session.accessToken);
    assert.notEqual(saved.refreshToken, session.refreshToken);
    assert.equal(saved.clientId, session.clientId);
    const left = new Date(saved.expiresAt).getTime() - Date.now();
    assert.ok(left > 7100e3 && left <= 7200e3, `left ${left}`);
    const again = await request(`${emu.base}/token`, {
      method: 'POST',
      json: { grantType: 'refresh_token', clientId: session.clientId, clientSecret: session.clientSecret, refreshToken: session.refreshToken },
    });
    assert.equal(again.status, 400);
    assert.equal(again.json.error, 'invalid_grant');
    assert.match(again.headers['x-amzn-errortype'], /^InvalidGrantException/);

    // The new access token works at the portal.
    const portal = await request(`${emu.base}/federation/credentials?role_name=ReadOnly&account_id=${ACCOUNT}`, {
      headers: { 'x-amz-sso_bearer_token': saved.accessToken },
    });
    assert.equal(portal.status, 200);
    assert.equal(typeof portal.json.roleCredentials.expiration, 'number');
  });

  await t.test('CreateToken refuses a wrong client secret, an expired registration and other grants', async () => {
    const session = await mint();
    const post = (json) => request(`${emu.base}/token`, { method: 'POST', json });
    const grant = { grantType: 'refresh_token', clientId: session.clientId, clientSecret: session.clientSecret, refreshToken: session.refreshToken };

    const wrongSecret = await post({ ...grant, clientSecret: 'wrong' });
    assert.equal(wrongSecret.status, 401);
    assert.equal(wrongSecret.json.error, 'invalid_client');
    assert.match(wrongSecret.headers['x-amzn-errortype'], /^InvalidClientException/);

    const otherGrant = await post({ ...grant, grantType: 'authorization_code' });
    assert.equal(otherGrant.status, 400);
    assert.equal(otherGrant.json.error, 'unsupported_grant_type');

    const ok = await post(grant);
    assert.equal(ok.status, 200);
    assert.equal(ok.json.tokenType, 'Bearer');
    assert.equal(ok.json.expiresIn, 3600);
    assert.match(ok.json.accessToken, /^aoa/);
    assert.match(ok.json.refreshToken, /^aor/);

    const expired = await mint({ registration_expires_in_seconds: -1 });
    const late = await post({ grantType: 'refresh_token', clientId: expired.clientId, clientSecret: expired.clientSecret, refreshToken: expired.refreshToken });
    assert.equal(late.status, 401);
    assert.match(late.json.error_description, /registration has expired/);
    assert.equal((await counters())['sso_oidc.CreateToken'], 4);
  });

  await t.test('an expired token whose refresh fails stops fromSSO', async () => {
    const session = await mint({ expires_in_seconds: -60 });
    writeConfig(sessionConfig('corp-expired'));
    writeCache('corp-expired', { ...session, expiresIn: undefined, clientSecret: 'not-the-secret' });
    await assert.rejects(fromSSO({ profile: 'dev' })(), /expired/i);
    assert.equal((await lastRequest('sso_oidc')).status, 401);
    assert.equal((await counters())['sso.GetRoleCredentials'], 0);
  });

  await t.test('portal: a missing token header is 401, bad parameters 400, faults are injectable', async () => {
    const session = await mint();
    const get = (qs, headers = { 'x-amz-sso_bearer_token': session.accessToken }) =>
      request(`${emu.base}/federation/credentials${qs}`, { headers });
    const none = await get(`?role_name=ReadOnly&account_id=${ACCOUNT}`, {});
    assert.equal(none.status, 401);
    assert.match(none.headers['x-amzn-errortype'], /^UnauthorizedException:/);
    assert.equal((await get('?role_name=ReadOnly&account_id=12')).status, 400);
    assert.equal((await get(`?account_id=${ACCOUNT}`)).status, 400);
    await emu.control('POST', 'fault', { target: 'sso', status: 503 });
    const faulted = await get(`?role_name=ReadOnly&account_id=${ACCOUNT}`);
    assert.equal(faulted.status, 503);
    assert.match(faulted.headers['x-amzn-errortype'], /^InternalServerException/);
    assert.equal((await get(`?role_name=ReadOnly&account_id=${ACCOUNT}`)).status, 200);
    const c = await counters();
    assert.equal(c['sso.GetRoleCredentials'], 5);
    assert.equal(c['fault.sso'], 1);
  });

  await t.test('control: bad session requests are refused', async () => {
    assert.equal((await emu.control('POST', 'sso/sessions', { nope: 1 })).status, 400);
    assert.equal((await emu.control('POST', 'sso/sessions', { roles: [{ account_id: '1', role_name: 'x' }] })).status, 400);
    assert.equal((await emu.control('POST', 'sso/sessions', { expires_in_seconds: 'soon' })).status, 400);
    assert.equal((await emu.control('POST', 'sso/revoke', {})).status, 400);
  });
});
