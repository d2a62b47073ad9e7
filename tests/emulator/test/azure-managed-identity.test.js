'use strict';
// Managed identity endpoints: Azure IMDS, App Service, Cloud Shell and Azure Arc, checked with
// raw requests, and with the official @azure/identity ManagedIdentityCredential (one child
// process per source, because @azure/msal-node keeps the detected source and its token cache
// in static state).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startForTest, request } = require('../testlib/helpers');
const az = require('../testlib/azure');

az.isolateAzureEnv();

const SYSTEM_CLIENT = '22222222-2222-2222-2222-222222222222';
const UAMI = {
  client_id: '44444444-4444-4444-4444-444444444444',
  object_id: '55555555-5555-5555-5555-555555555555',
  resource_id: '/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/llmauth-test/providers/Microsoft.ManagedIdentity/userAssignedIdentities/llmauth-test-identity',
};

test('managed identity endpoints', async (t) => {
  const emu = await startForTest(test);
  const lookup = async (token) => (await emu.control('POST', 'azure/tokens/lookup', { token })).json;
  const imds = (query, headers = { metadata: 'true' }) =>
    request(`${emu.base}/metadata/identity/oauth2/token${query}`, { headers });
  const enc = encodeURIComponent;
  t.beforeEach(() => emu.reset());

  await t.test('IMDS: system-assigned token, shape and registry', async () => {
    const r = await imds(`?api-version=2018-02-01&resource=${enc(az.RESOURCE)}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['access_token', 'client_id', 'expires_in', 'expires_on', 'ext_expires_in', 'not_before', 'resource', 'token_type']);
    assert.equal(r.json.client_id, SYSTEM_CLIENT);
    assert.equal(r.json.expires_in, '86399');
    assert.equal(r.json.resource, az.RESOURCE);
    assert.equal(r.json.token_type, 'Bearer');
    assert.equal(Number(r.json.expires_on) - Number(r.json.not_before), 86399);
    const rec = await lookup(r.json.access_token);
    assert.equal(rec.known, true);
    assert.equal(rec.source, 'imds');
    assert.equal(rec.identity, 'system-assigned');
    assert.equal(rec.resource, az.RESOURCE);
    // the trailing-slash form that MSAL used to send
    assert.equal((await request(`${emu.base}/metadata/identity/oauth2/token/?api-version=2018-02-01&resource=${enc(az.RESOURCE)}`, { headers: { Metadata: 'true' } })).status, 200);
  });

  await t.test('IMDS: user-assigned by client_id, object_id, msi_res_id, mi_res_id; unknown → 400', async () => {
    for (const q of [`client_id=${UAMI.client_id}`, `object_id=${UAMI.object_id}`, `msi_res_id=${enc(UAMI.resource_id)}`, `mi_res_id=${enc(UAMI.resource_id)}`]) {
      const r = await imds(`?api-version=2018-02-01&resource=${enc(az.RESOURCE)}&${q}`);
      assert.equal(r.status, 200, `${q}: ${r.text}`);
      assert.equal(r.json.client_id, UAMI.client_id);
      assert.equal((await lookup(r.json.access_token)).identity, UAMI.client_id);
    }
    const unknown = await imds(`?api-version=2018-02-01&resource=${enc(az.RESOURCE)}&client_id=99999999-0000-0000-0000-000000000000`);
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.json, { error: 'invalid_request', error_description: 'Identity not found' });
    const reg = await emu.control('POST', 'azure/managed-identities', { client_id: '99999999-0000-0000-0000-000000000000' });
    assert.equal(reg.status, 200);
    assert.ok(reg.json.object_id && reg.json.resource_id);
    assert.equal((await imds(`?api-version=2018-02-01&resource=${enc(az.RESOURCE)}&client_id=99999999-0000-0000-0000-000000000000`)).status, 200);
    await emu.control('POST', 'config', { azure: { managed_identity: { system_assigned: false } } });
    assert.equal((await imds(`?api-version=2018-02-01&resource=${enc(az.RESOURCE)}`)).json.error_description, 'Identity not found');
  });

  await t.test('IMDS: request checks', async () => {
    const q = `?api-version=2018-02-01&resource=${enc(az.RESOURCE)}`;
    const noHeader = await imds(q, {});
    assert.equal(noHeader.status, 400);
    assert.equal(noHeader.json.error_description, 'Required metadata header not specified');
    assert.equal((await imds(q, { metadata: 'false' })).status, 400);
    assert.equal((await imds(`?resource=${enc(az.RESOURCE)}`)).status, 400);
    assert.equal((await imds('?api-version=2018-02-01')).status, 400);
    const v2scope = await imds(`?api-version=2018-02-01&resource=${enc(az.SCOPE)}`);
    assert.equal(v2scope.status, 400);
    assert.match(v2scope.json.error_description, /AADSTS500011/);
    assert.equal((await request(`${emu.base}/metadata/identity/oauth2/token${q}`, { method: 'POST', headers: { metadata: 'true' } })).status, 405);
    assert.equal((await imds(q, { metadata: 'true', 'x-forwarded-for': '10.0.0.1' })).status, 400);
    assert.equal((await request(`${emu.base}/metadata/instance?api-version=2021-02-01`, { headers: { metadata: 'true' } })).status, 404);
    const c = (await emu.control('GET', 'counters')).json;
    assert.equal(c['azure.imds'], 7);
    assert.equal(c['azure.imds.other'], 1);
  });

  await t.test('IMDS modes: absent, not-found, slow; faults with retry-after', async () => {
    const q = `?api-version=2018-02-01&resource=${enc(az.RESOURCE)}`;
    await emu.control('POST', 'config', { azure: { imds: { mode: 'absent' } } });
    await assert.rejects(imds(q), (e) => ['ECONNRESET', 'EPIPE'].includes(e.code) || /socket hang up/.test(e.message));
    await emu.control('POST', 'config', { azure: { imds: { mode: 'not-found' } } });
    assert.equal((await imds(q)).status, 404);
    await emu.control('POST', 'config', { azure: { imds: { mode: 'slow', slow_ms: 300 } } });
    const t0 = Date.now();
    assert.equal((await imds(q)).status, 200);
    assert.ok(Date.now() - t0 >= 290);
    await emu.control('POST', 'config', { azure: { imds: { mode: 'available' } } });
    await emu.control('POST', 'fault', { target: 'azure.imds', status: 429, headers: { 'retry-after': '1' }, count: 1 });
    const f = await imds(q);
    assert.equal(f.status, 429);
    assert.equal(f.headers['retry-after'], '1');
    assert.equal(f.json.error, 'too_many_requests');
    assert.equal((await imds(q)).status, 200);
    assert.equal((await emu.control('POST', 'config', { azure: { imds: { mode: 'gone' } } })).status, 400);
  });

  await t.test('App Service: X-IDENTITY-HEADER, api-version, identities', async () => {
    const url = (q) => `${emu.base}/msi/token?api-version=2019-08-01&resource=${enc(az.RESOURCE)}${q}`;
    const hdr = { 'x-identity-header': 'emulator-identity-header' };
    const r = await request(url(''), { headers: hdr });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['access_token', 'client_id', 'expires_on', 'resource', 'token_type']);
    assert.equal(r.json.client_id, SYSTEM_CLIENT);
    assert.match(r.json.expires_on, /^\d+$/);
    assert.equal((await lookup(r.json.access_token)).source, 'appservice');
    for (const q of [`&client_id=${UAMI.client_id}`, `&principal_id=${UAMI.object_id}`, `&mi_res_id=${enc(UAMI.resource_id)}`]) {
      const u = await request(url(q), { headers: hdr });
      assert.equal(u.status, 200, q);
      assert.equal(u.json.client_id, UAMI.client_id);
    }
    const missing = await request(url(''));
    assert.equal(missing.status, 401);
    assert.ok(missing.json.message && missing.json.correlationId);
    assert.equal((await request(url(''), { headers: { 'x-identity-header': 'wrong' } })).status, 403);
    assert.equal((await request(url('&client_id=nobody'), { headers: hdr })).status, 400);
    assert.equal((await request(`${emu.base}/msi/token?api-version=2017-09-01&resource=x`, { headers: hdr })).status, 400);
    await emu.control('POST', 'config', { azure: { app_service: { identity_header: 'rotated' } } });
    assert.equal((await request(url(''), { headers: hdr })).status, 403);
    assert.equal((await request(url(''), { headers: { 'x-identity-header': 'rotated' } })).status, 200);
    const [entry] = (await emu.control('GET', 'requests?target=azure.appservice&limit=1')).json;
    assert.equal(entry.headers['x-identity-header'], 'rotated', 'kept as sent, so tests can check it');
  });

  await t.test('Cloud Shell: POST form with Metadata: true', async () => {
    const url = `${emu.base}/cloudshell/token`;
    const form = { 'content-type': 'application/x-www-form-urlencoded', metadata: 'true' };
    const r = await request(url, { method: 'POST', headers: form, body: `resource=${enc(az.RESOURCE)}` });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.resource, az.RESOURCE);
    assert.equal((await lookup(r.json.access_token)).source, 'cloudshell');
    assert.equal((await request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `resource=${enc(az.RESOURCE)}` })).status, 400);
    assert.equal((await request(url, { method: 'POST', headers: form, body: '' })).status, 400);
    assert.equal((await request(`${url}?resource=${enc(az.RESOURCE)}`, { headers: { metadata: 'true' } })).status, 405);
    assert.equal((await emu.control('GET', 'counters')).json['azure.cloudshell'], 4);
  });

  await t.test('Azure Arc: 401 challenge with a key file, then Basic auth', async () => {
    assert.ok(emu.info.arc_key_dir.startsWith(emu.stateDir));
    const url = `${emu.base}/arc/token?api-version=2019-11-01&resource=${enc(az.RESOURCE)}`;
    const first = await request(url, { headers: { metadata: 'true' } });
    assert.equal(first.status, 401);
    const m = /^Basic realm=(.+)$/.exec(first.headers['www-authenticate']);
    assert.ok(m, first.headers['www-authenticate']);
    const keyFile = m[1];
    assert.equal(path.dirname(keyFile), emu.info.arc_key_dir);
    assert.match(path.basename(keyFile), /\.key$/);
    const secret = fs.readFileSync(keyFile, 'utf8');
    assert.ok(secret.length > 0 && secret.length <= 4096);
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
    const ok = await request(url, { headers: { metadata: 'true', authorization: `Basic ${secret}` } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.client_id, SYSTEM_CLIENT);
    assert.equal((await lookup(ok.json.access_token)).source, 'arc');
    const wrong = await request(url, { headers: { metadata: 'true', authorization: 'Basic not-the-secret' } });
    assert.equal(wrong.status, 401);
    assert.ok(wrong.headers['www-authenticate'].startsWith('Basic realm='));
    assert.equal((await request(url, { headers: { authorization: `Basic ${secret}` } })).status, 400, 'Metadata header required');
    // MSAL's api-version and a user-assigned identity (echoed, as MSAL checks)
    const uami = await request(`${emu.base}/arc/token?api-version=2020-06-01&resource=${enc(az.RESOURCE)}&msi_res_id=${enc(UAMI.resource_id)}`,
      { headers: { metadata: 'true', authorization: `Basic ${secret}` } });
    assert.equal(uami.status, 200);
    assert.equal(uami.json.msi_res_id, UAMI.resource_id);
    const [entry] = (await emu.control('GET', 'requests?target=azure.arc&limit=1')).json;
    assert.equal(entry.headers.authorization, 'Basic <redacted>');
  });

  // ---- the official client, one process per source ------------------------------------------------

  await t.test('@azure/identity ManagedIdentityCredential → IMDS (AZURE_POD_IDENTITY_AUTHORITY_HOST)', async () => {
    const env = { AZURE_POD_IDENTITY_AUTHORITY_HOST: emu.base };
    const out = await az.runIdentityChild({ credential: 'ManagedIdentityCredential', options: {}, calls: [{ scopes: az.SCOPE }, { scopes: az.SCOPE }] }, env);
    assert.equal(out.results[0].ok, true, JSON.stringify(out));
    assert.equal(out.results[1].token, out.results[0].token, 'cached by MSAL');
    const rec = await lookup(out.results[0].token);
    assert.equal(rec.identity, 'system-assigned');
    assert.equal(rec.resource, az.RESOURCE);
    assert.ok(Math.abs(out.results[0].expiresOnTimestamp - rec.expires_at * 1000) < 2000);
    const log = (await emu.control('GET', 'requests?target=azure.imds')).json;
    assert.equal(log.length, 1);
    assert.equal(log[0].headers.metadata, 'true');
    assert.equal(log[0].query['api-version'], '2018-02-01');
    assert.equal(log[0].query.resource, az.RESOURCE);

    const uami = await az.runIdentityChild({ credential: 'ManagedIdentityCredential', options: { clientId: UAMI.client_id }, calls: [{ scopes: az.SCOPE }] }, env);
    assert.equal((await lookup(uami.results[0].token)).identity, UAMI.client_id);
    const byRes = await az.runIdentityChild({ credential: 'ManagedIdentityCredential', options: { resourceId: UAMI.resource_id }, calls: [{ scopes: az.SCOPE }] }, env);
    assert.equal((await lookup(byRes.results[0].token)).identity, UAMI.client_id);
    const none = await az.runIdentityChild({ credential: 'ManagedIdentityCredential', options: { clientId: '99999999-0000-0000-0000-000000000000', retryOptions: { maxRetries: 0 } }, calls: [{ scopes: az.SCOPE }] }, env);
    assert.equal(none.results[0].ok, false);
    assert.match(none.results[0].message, /Identity not found/);
  });

  await t.test('@azure/identity ManagedIdentityCredential → App Service (IDENTITY_ENDPOINT + IDENTITY_HEADER)', async () => {
    const env = { IDENTITY_ENDPOINT: `${emu.base}/msi/token`, IDENTITY_HEADER: 'emulator-identity-header' };
    const out = await az.runIdentityChild({ credential: 'ManagedIdentityCredential', options: {}, calls: [{ scopes: az.SCOPE }] }, env);
    assert.equal(out.results[0].ok, true, JSON.stringify(out));
    assert.equal((await lookup(out.results[0].token)).source, 'appservice');
    const uami = await az.runIdentityChild({ credential: 'ManagedIdentityCredential', options: { clientId: UAMI.client_id }, calls: [{ scopes: az.SCOPE }] }, env);
    assert.equal((await lookup(uami.results[0].token)).identity, UAMI.client_id);
    const log = (await emu.control('GET', 'requests?target=azure.appservice')).json;
    assert.equal(log[0].headers['x-identity-header'], 'emulator-identity-header');
    assert.equal(log[1].query.client_id, UAMI.client_id);

    const bad = await az.runIdentityChild({ credential: 'ManagedIdentityCredential', options: { retryOptions: { maxRetries: 0 } }, calls: [{ scopes: az.SCOPE }] },
      { ...env, IDENTITY_HEADER: 'wrong' });
    assert.equal(bad.results[0].ok, false);
  });

  await t.test('@azure/identity ManagedIdentityCredential → Cloud Shell (MSI_ENDPOINT)', async () => {
    const out = await az.runIdentityChild({ credential: 'ManagedIdentityCredential', options: {}, calls: [{ scopes: az.SCOPE }] },
      { MSI_ENDPOINT: `${emu.base}/cloudshell/token` });
    assert.equal(out.results[0].ok, true, JSON.stringify(out));
    assert.equal((await lookup(out.results[0].token)).source, 'cloudshell');
    const [entry] = (await emu.control('GET', 'requests?target=azure.cloudshell')).json;
    assert.equal(entry.method, 'POST');
    assert.equal(entry.form.resource, az.RESOURCE);
  });
});
