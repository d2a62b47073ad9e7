'use strict';
// Entra ID token endpoint: protocol checks with raw requests, and the official @azure/identity
// credentials (ClientSecretCredential, ClientCertificateCredential, WorkloadIdentityCredential,
// EnvironmentCredential) obtaining tokens from it over HTTPS with the emulator's CA trusted.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const {
  ClientSecretCredential,
  ClientCertificateCredential,
  WorkloadIdentityCredential,
} = require('@azure/identity');
const { startForTest, request } = require('../testlib/helpers');
const az = require('../testlib/azure');

az.isolateAzureEnv();

test('Entra ID token endpoint', async (t) => {
  const emu = await startForTest(test);
  const ca = fs.readFileSync(emu.info.ca);
  const work = az.tmpDir('llmauth-azure-entra-');
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));
  const certA = az.makeCertificate(work, 'client-a');
  const certB = az.makeCertificate(work, 'client-b'); // never registered
  const tokenUrl = `${emu.info.https}/${az.TENANT}/oauth2/v2.0/token`;
  const registerCert = () => emu.control('POST', 'azure/apps', {
    tenant_id: az.TENANT, client_id: az.CLIENT, client_secret: az.SECRET, certificate_pem: certA.certPem,
    federated_credentials: [{ issuer: 'https://oidc.emulator.test', subject: 'system:serviceaccount:default:llmauth-test' }],
  });
  const lookup = async (token) => (await emu.control('POST', 'azure/tokens/lookup', { token })).json;
  const sdkOptions = { authorityHost: emu.info.https, disableInstanceDiscovery: true, tlsOptions: { ca } };
  t.beforeEach(async () => {
    await emu.reset();
    az.isolateAzureEnv();
  });

  await t.test('https only: the plain-HTTP port refuses the token and metadata endpoints', async () => {
    const r = await az.postToken(emu, { grant_type: 'client_credentials', client_id: az.CLIENT, client_secret: az.SECRET, scope: az.SCOPE }, { scheme: 'http' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'invalid_request');
    assert.match(r.json.error_description, /HTTPS only/);
    assert.ok(r.json.trace_id && r.json.correlation_id && r.json.timestamp);
    const m = await request(`${emu.base}/${az.TENANT}/v2.0/.well-known/openid-configuration`);
    assert.equal(m.status, 400);
    const c = (await emu.control('GET', 'counters')).json;
    assert.equal(c['azure.token'], 1);
    assert.equal(c['azure.discovery'], 1);
  });

  await t.test('metadata: openid-configuration and instance discovery point back at the https base', async () => {
    const r = await request(`${emu.info.https}/${az.TENANT}/v2.0/.well-known/openid-configuration`, { ca });
    assert.equal(r.status, 200);
    assert.equal(r.json.token_endpoint, tokenUrl);
    assert.equal(r.json.issuer, `${emu.info.https}/${az.TENANT}/v2.0`);
    for (const k of ['authorization_endpoint', 'jwks_uri', 'end_session_endpoint']) assert.ok(r.json[k].startsWith(emu.info.https), k);
    const port = new URL(emu.info.https).port;
    const viaLocalhost = await request(`https://localhost:${port}/common/v2.0/.well-known/openid-configuration`, { ca });
    assert.equal(viaLocalhost.json.token_endpoint, `https://localhost:${port}/common/oauth2/v2.0/token`);
    assert.equal(viaLocalhost.json.issuer, `https://localhost:${port}/{tenantid}/v2.0`);
    const unknown = await request(`${emu.info.https}/no-such-tenant/v2.0/.well-known/openid-configuration`, { ca });
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.json.error_codes, [90002]);
    const ae = encodeURIComponent(`${emu.info.https}/${az.TENANT}/oauth2/v2.0/authorize`);
    const d = await request(`${emu.info.https}/common/discovery/instance?api-version=1.1&authorization_endpoint=${ae}`, { ca });
    assert.equal(d.status, 200);
    assert.equal(d.json.tenant_discovery_endpoint, `${emu.info.https}/${az.TENANT}/v2.0/.well-known/openid-configuration`);
    assert.ok(d.json.metadata[0].aliases.includes(`localhost:${port}`));
    const keys = await request(`${emu.info.https}/${az.TENANT}/discovery/v2.0/keys`, { ca });
    assert.deepEqual(keys.json, { keys: [] });
  });

  await t.test('client secret: success shape, token registry, lifetime config', async () => {
    const form = { client_id: az.CLIENT, scope: az.SCOPE, grant_type: 'client_credentials', client_secret: az.SECRET, 'x-client-SKU': 'test' };
    const r = await az.postToken(emu, form, { query: '?client-request-id=3f1c2a60-0000-4000-8000-000000000001' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.token_type, 'Bearer');
    assert.equal(r.json.expires_in, 3599);
    assert.equal(r.json.ext_expires_in, 3599);
    assert.ok(!('refresh_in' in r.json));
    assert.equal(r.headers['client-request-id'], '3f1c2a60-0000-4000-8000-000000000001');
    const [, payload] = r.json.access_token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    assert.equal(claims.aud, az.RESOURCE);
    assert.equal(claims.appid, az.CLIENT);
    assert.equal(claims.tid, az.TENANT);
    const rec = await lookup(r.json.access_token);
    assert.equal(rec.known, true);
    assert.equal(rec.source, 'entra');
    assert.equal(rec.client_id, az.CLIENT);
    assert.equal(rec.tenant_id, az.TENANT);
    assert.equal(rec.scope, az.SCOPE);
    assert.equal(rec.resource, az.RESOURCE);
    assert.equal(rec.expired, false);
    assert.equal(rec.expires_at - rec.issued_at, 3599);
    assert.deepEqual(await lookup('not-a-token'), { known: false });
    // the request log shows the form with the secret redacted
    const [entry] = (await emu.control('GET', 'requests?target=azure.token&limit=1')).json;
    assert.equal(entry.form.client_secret, '<redacted>');
    assert.equal(entry.azure.auth, 'client_secret');
    assert.equal(entry.query['client-request-id'], '3f1c2a60-0000-4000-8000-000000000001');
    assert.ok(!JSON.stringify(entry).includes(az.SECRET));

    await emu.control('POST', 'config', { azure: { token_lifetime_seconds: 120, refresh_in_seconds: 60, expires_in_as_string: true } });
    const s = await az.postToken(emu, form);
    assert.equal(s.json.expires_in, '120');
    assert.equal(s.json.ext_expires_in, '120');
    assert.equal(s.json.refresh_in, '60');
    assert.equal((await emu.control('POST', 'config', { azure: { refresh_in_seconds: 'soon' } })).status, 400);
  });

  await t.test('client_secret_basic: the secret in an Authorization: Basic header', async () => {
    const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    const send = (authorization) => request(tokenUrl, {
      method: 'POST', ca,
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: az.SCOPE }).toString(),
    });
    const r = await send(basic(az.CLIENT, az.SECRET));
    assert.equal(r.status, 200, r.text);
    assert.equal((await lookup(r.json.access_token)).client_id, az.CLIENT);
    assert.deepEqual((await send(basic(az.CLIENT, 'wrong'))).json.error_codes, [7000215]);
    const [entry] = (await emu.control('GET', 'requests?target=azure.token&limit=1')).json;
    assert.equal(entry.headers.authorization, 'Basic <redacted>');
    assert.equal(entry.azure.auth, 'client_secret_basic');
  });

  await t.test('errors look like Entra ID (AADSTS codes)', async () => {
    const base = { client_id: az.CLIENT, scope: az.SCOPE, grant_type: 'client_credentials', client_secret: az.SECRET };
    const cases = [
      [{ ...base, client_secret: 'wrong' }, {}, 401, 'invalid_client', 7000215],
      [{ ...base, client_id: '99999999-9999-9999-9999-999999999999' }, {}, 400, 'unauthorized_client', 700016],
      [base, { tenant: '12345678-0000-0000-0000-000000000000' }, 400, 'invalid_request', 90002],
      [{ ...base, scope: 'https://cognitiveservices.azure.com/user_impersonation' }, {}, 400, 'invalid_scope', 1002012],
      [{ ...base, scope: 'https://a/.default https://b/.default' }, {}, 400, 'invalid_scope', 70011],
      [{ ...base, grant_type: 'password' }, {}, 400, 'unsupported_grant_type', 70003],
      [{ client_id: az.CLIENT, scope: az.SCOPE, grant_type: 'client_credentials' }, {}, 401, 'invalid_client', 7000216],
      [{ ...base, grant_type: undefined }, {}, 400, 'invalid_request', 900144],
      [{ ...base, client_assertion: 'x', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' }, {}, 400, 'invalid_request', 9002313],
    ];
    for (const [form, opts, status, error, code] of cases) {
      for (const k of Object.keys(form)) if (form[k] === undefined) delete form[k];
      const r = await az.postToken(emu, form, opts);
      assert.equal(r.status, status, `${code}: ${r.text}`);
      assert.equal(r.json.error, error);
      assert.deepEqual(r.json.error_codes, [code]);
      assert.match(r.json.error_description, new RegExp(`^AADSTS${code}: .*\\r\\nTrace ID: .*\\r\\nCorrelation ID: .*\\r\\nTimestamp: `, 's'));
    }
    const g = await request(tokenUrl, { ca });
    assert.equal(g.status, 400);
    assert.deepEqual(g.json.error_codes, [900561]);
  });

  await t.test('certificate assertions: RS256/x5t, PS256/x5t#S256, x5c, aud forms', async () => {
    await registerCert();
    const ok = async (assertion, opts) => {
      const r = await az.postToken(emu, {
        client_id: az.CLIENT, scope: az.SCOPE, grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
      }, opts);
      assert.equal(r.status, 200, r.text);
      return r;
    };
    const port = new URL(emu.info.https).port;
    await ok(az.certAssertion({ ...certA, aud: tokenUrl }));
    await ok(az.certAssertion({ ...certA, aud: tokenUrl, alg: 'PS256', thumb: 'x5t#S256' }));
    await ok(az.certAssertion({ ...certA, aud: `${tokenUrl}?client-request-id=abc`, alg: 'RS512' }));
    await ok(az.certAssertion({ ...certA, aud: `https://localhost:${port}/${az.TENANT}/oauth2/v2.0/token` }));
    await ok(az.certAssertion({ ...certA, aud: [tokenUrl], hdr: { x5c: [az.certDer(certA.certPem).toString('base64')] } }));
    const log = (await emu.control('GET', 'requests?target=azure.token&limit=5')).json;
    const e = log[1];
    assert.equal(e.form.client_assertion, '<redacted>');
    assert.equal(e.form.client_assertion_type, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    assert.equal(e.azure.auth, 'certificate');
    assert.equal(e.azure.assertion.header.alg, 'PS256');
    assert.ok(e.azure.assertion.header['x5t#S256']);
    assert.equal(e.azure.assertion.claims.iss, az.CLIENT);
  });

  await t.test('certificate assertions: every check rejects what it should', async () => {
    await registerCert();
    const send = (assertion) => az.postToken(emu, {
      client_id: az.CLIENT, scope: az.SCOPE, grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
    });
    const now = Math.floor(Date.now() / 1000);
    const good = az.certAssertion({ ...certA, aud: tokenUrl });
    const [h, p, s] = good.split('.');
    const tamperedClaims = JSON.parse(Buffer.from(p, 'base64url'));
    tamperedClaims.exp += 60;
    const otherX5c = az.certDer(certB.certPem).toString('base64');
    const cases = [
      ['expired', az.certAssertion({ ...certA, aud: tokenUrl, over: { exp: now - 3600, nbf: now - 4200 } }), 401, 700024],
      ['not yet valid', az.certAssertion({ ...certA, aud: tokenUrl, over: { nbf: now + 3600, exp: now + 4000 } }), 401, 700024],
      ['wrong aud', az.certAssertion({ ...certA, aud: 'https://login.microsoftonline.com/x/oauth2/v2.0/token' }), 401, 50012],
      ['aud of another tenant', az.certAssertion({ ...certA, aud: `${emu.info.https}/other/oauth2/v2.0/token` }), 401, 50012],
      ['sub is not the client', az.certAssertion({ ...certA, aud: tokenUrl, over: { sub: 'someone-else' } }), 401, 700021],
      ['no jti', az.certAssertion({ ...certA, aud: tokenUrl, over: { jti: undefined } }), 400, 50027],
      ['no exp', az.certAssertion({ ...certA, aud: tokenUrl, over: { exp: undefined } }), 400, 50027],
      ['unregistered certificate', az.certAssertion({ ...certB, aud: tokenUrl }), 401, 700027],
      ['no thumbprint header', az.certAssertion({ ...certA, aud: tokenUrl, thumb: 'none' }), 401, 700027],
      ['signed by another key', az.certAssertion({ ...certA, keyPem: certB.keyPem, aud: tokenUrl }), 401, 7000274],
      ['tampered claims', `${h}.${Buffer.from(JSON.stringify(tamperedClaims)).toString('base64url')}.${s}`, 401, 7000274],
      ['x5c without the certificate', az.certAssertion({ ...certA, aud: tokenUrl, hdr: { x5c: [otherX5c] } }), 401, 700027],
      ['PS256 signature labelled RS256', (() => {
        const ps = az.certAssertion({ ...certA, aud: tokenUrl, alg: 'PS256' }).split('.');
        const hdr = JSON.parse(Buffer.from(ps[0], 'base64url'));
        hdr.alg = 'RS256';
        return `${Buffer.from(JSON.stringify(hdr)).toString('base64url')}.${ps[1]}.${ps[2]}`;
      })(), 401, 7000274],
      ['HS256', (() => {
        const hdr = Buffer.from(JSON.stringify({ alg: 'HS256', x5t: JSON.parse(Buffer.from(h, 'base64url')).x5t })).toString('base64url');
        const mac = crypto.createHmac('sha256', 'k').update(`${hdr}.${p}`).digest('base64url');
        return `${hdr}.${p}.${mac}`;
      })(), 401, 700027],
    ];
    for (const [name, assertion, status, code] of cases) {
      const r = await send(assertion);
      assert.equal(r.status, status, `${name}: ${r.text}`);
      assert.deepEqual(r.json.error_codes, [code], `${name}: ${r.json.error_description}`);
    }
    // a client without any certificate
    await emu.control('POST', 'azure/apps', { tenant_id: az.TENANT, client_id: 'nocert-client', client_secret: 's' });
    const r = await az.postToken(emu, {
      client_id: 'nocert-client', scope: az.SCOPE, grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: az.certAssertion({ ...certA, aud: tokenUrl, clientId: 'nocert-client' }),
    });
    assert.deepEqual(r.json.error_codes, [700027]);
  });

  await t.test('federated assertions (workload identity)', async () => {
    const send = (assertion, clientId = az.CLIENT) => az.postToken(emu, {
      client_id: clientId, scope: az.SCOPE, grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
    });
    const now = Math.floor(Date.now() / 1000);
    const fed = (over) => az.unsignedJwt({
      iss: 'https://oidc.emulator.test', sub: 'system:serviceaccount:default:llmauth-test', aud: ['api://AzureADTokenExchange'],
      iat: now, nbf: now, exp: now + 3600, ...over,
    });
    const d = await send('emulator-federated-token');
    assert.equal(d.status, 200, d.text);
    assert.equal((await send(fed())).status, 200);
    const cases = [
      [fed({ sub: 'system:serviceaccount:other:x' }), 700213],
      [fed({ iss: 'https://elsewhere.test' }), 700211],
      [fed({ aud: 'api://something-else' }), 700212],
      [fed({ exp: now - 10 }), 700024],
      ['not-an-accepted-token', 50027],
    ];
    for (const [assertion, code] of cases) {
      const r = await send(assertion);
      assert.deepEqual(r.json.error_codes, [code], r.text);
    }
    // tokens accepted for one client only
    await emu.control('POST', 'azure/apps', { tenant_id: az.TENANT, client_id: 'wi-client' });
    await emu.control('POST', 'azure/federated-tokens', { token: 'token-for-wi-client', tenant_id: az.TENANT, client_id: 'wi-client' });
    assert.equal((await send('token-for-wi-client', 'wi-client')).status, 200);
    assert.deepEqual((await send('token-for-wi-client')).json.error_codes, [50027]);
    const log = (await emu.control('GET', 'requests?target=azure.token')).json;
    assert.equal(log[0].azure.auth, 'federated');
    assert.equal(log[0].azure.federated_token, 'emulator-federated-token');
    assert.equal(log[1].azure.assertion.claims.sub, 'system:serviceaccount:default:llmauth-test');
  });

  await t.test('faults: 429 with Retry-After in the Entra error shape', async () => {
    await emu.control('POST', 'fault', { target: 'azure.token', status: 429, headers: { 'retry-after': '1' } });
    const r = await az.postToken(emu, { client_id: az.CLIENT, scope: az.SCOPE, grant_type: 'client_credentials', client_secret: az.SECRET });
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], '1');
    assert.equal(r.json.error, 'temporarily_unavailable');
    const again = await az.postToken(emu, { client_id: az.CLIENT, scope: az.SCOPE, grant_type: 'client_credentials', client_secret: az.SECRET });
    assert.equal(again.status, 200);
    assert.equal((await emu.control('GET', 'counters')).json['fault.azure.token'], 1);
  });

  await t.test('@azure/identity ClientSecretCredential', async () => {
    await emu.control('POST', 'config', { azure: { refresh_in_seconds: 1800 } });
    const cred = new ClientSecretCredential(az.TENANT, az.CLIENT, az.SECRET, sdkOptions);
    const tok = await cred.getToken(az.SCOPE);
    const rec = await lookup(tok.token);
    assert.equal(rec.known, true);
    assert.equal(rec.client_id, az.CLIENT);
    assert.ok(Math.abs(tok.expiresOnTimestamp - rec.expires_at * 1000) < 2000);
    assert.ok(Math.abs(tok.refreshAfterTimestamp - (rec.issued_at + 1800) * 1000) < 2000, 'refresh_in is honoured');
    const log = (await emu.control('GET', 'requests?target=azure.token')).json;
    assert.ok(log[0].form['x-client-SKU'], 'MSAL sent its x-client-* fields');
    assert.ok(log[0].query['client-request-id'], 'and a client-request-id');

    const bad = new ClientSecretCredential(az.TENANT, az.CLIENT, 'wrong-secret', sdkOptions);
    await assert.rejects(bad.getToken(az.SCOPE), (e) => /AADSTS7000215/.test(e.message));
    const unknown = new ClientSecretCredential(az.TENANT, '99999999-9999-9999-9999-999999999999', az.SECRET, sdkOptions);
    await assert.rejects(unknown.getToken(az.SCOPE), (e) => /AADSTS700016/.test(e.message));
    const untrusted = new ClientSecretCredential(az.TENANT, az.CLIENT, az.SECRET, { authorityHost: emu.info.https, disableInstanceDiscovery: true });
    await assert.rejects(untrusted.getToken(az.SCOPE), 'without the CA the TLS handshake fails');
  });

  await t.test('@azure/identity ClientCertificateCredential', async () => {
    await registerCert();
    const cred = new ClientCertificateCredential(az.TENANT, az.CLIENT, { certificatePath: certA.combinedPath }, sdkOptions);
    const tok = await cred.getToken(az.SCOPE);
    assert.equal((await lookup(tok.token)).known, true);
    const chained = new ClientCertificateCredential(az.TENANT, az.CLIENT, { certificate: certA.keyPem + certA.certPem }, { ...sdkOptions, sendCertificateChain: true });
    await chained.getToken(az.SCOPE);
    const log = (await emu.control('GET', 'requests?target=azure.token')).json.filter((e) => e.method === 'POST');
    assert.equal(log.length, 2);
    assert.equal(log[0].azure.auth, 'certificate');
    assert.equal(log[0].azure.assertion.header.alg, 'PS256', 'MSAL signs PS256 with x5t#S256');
    assert.ok(log[0].azure.assertion.header['x5t#S256']);
    assert.equal(log[0].azure.assertion.claims.aud, tokenUrl);
    assert.ok(Array.isArray(log[1].azure.assertion.header.x5c));

    const other = new ClientCertificateCredential(az.TENANT, az.CLIENT, { certificatePath: certB.combinedPath }, sdkOptions);
    await assert.rejects(other.getToken(az.SCOPE), (e) => /AADSTS700027/.test(e.message));
  });

  await t.test('@azure/identity WorkloadIdentityCredential', async () => {
    await registerCert();
    const tokenFile = path.join(work, 'federated-token');
    fs.writeFileSync(tokenFile, 'emulator-federated-token');
    const cred = new WorkloadIdentityCredential({ tenantId: az.TENANT, clientId: az.CLIENT, tokenFilePath: tokenFile, ...sdkOptions });
    const tok = await cred.getToken(az.SCOPE);
    assert.equal((await lookup(tok.token)).known, true);

    const now = Math.floor(Date.now() / 1000);
    fs.writeFileSync(tokenFile, az.unsignedJwt({
      iss: 'https://oidc.emulator.test', sub: 'system:serviceaccount:default:llmauth-test', aud: 'api://AzureADTokenExchange', iat: now, exp: now + 3600,
    }));
    const jwtCred = new WorkloadIdentityCredential({ tenantId: az.TENANT, clientId: az.CLIENT, tokenFilePath: tokenFile, ...sdkOptions });
    await jwtCred.getToken(az.SCOPE);

    // the same through the standard environment variables
    process.env.AZURE_TENANT_ID = az.TENANT;
    process.env.AZURE_CLIENT_ID = az.CLIENT;
    process.env.AZURE_FEDERATED_TOKEN_FILE = tokenFile;
    process.env.AZURE_AUTHORITY_HOST = emu.info.https;
    const envCred = new WorkloadIdentityCredential({ disableInstanceDiscovery: true, tlsOptions: { ca } });
    await envCred.getToken(az.SCOPE);

    fs.writeFileSync(tokenFile, 'a-token-nobody-accepts');
    const badCred = new WorkloadIdentityCredential({ tenantId: az.TENANT, clientId: az.CLIENT, tokenFilePath: tokenFile, ...sdkOptions });
    await assert.rejects(badCred.getToken(az.SCOPE), (e) => /AADSTS50027/.test(e.message));
    const log = (await emu.control('GET', 'requests?target=azure.token')).json.filter((e) => e.method === 'POST');
    assert.deepEqual(log.map((e) => e.status), [200, 200, 200, 400]);
    assert.ok(log.every((e) => e.form.client_assertion === '<redacted>'));
  });

  await t.test('EnvironmentCredential in a child process: env variables + NODE_EXTRA_CA_CERTS only', async () => {
    const out = await az.runIdentityChild(
      { credential: 'EnvironmentCredential', options: { disableInstanceDiscovery: true }, calls: [{ scopes: az.SCOPE }] },
      {
        NODE_EXTRA_CA_CERTS: emu.info.ca,
        AZURE_AUTHORITY_HOST: emu.info.https,
        AZURE_TENANT_ID: az.TENANT,
        AZURE_CLIENT_ID: az.CLIENT,
        AZURE_CLIENT_SECRET: az.SECRET,
      },
    );
    assert.equal(out.results[0].ok, true, JSON.stringify(out));
    assert.equal((await lookup(out.results[0].token)).known, true);
  });
});
