'use strict';
// The fake `az` and `azd` executables (tests/emulator/bin): their output shapes, modes,
// argument log and token registration, and the official AzureCliCredential /
// AzureDeveloperCliCredential of @azure/identity running them from PATH.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { AzureCliCredential, AzureDeveloperCliCredential } = require('@azure/identity');
const { startForTest } = require('../testlib/helpers');
const az = require('../testlib/azure');

az.isolateAzureEnv();

/** Runs bin/<tool> with PATH led by bin/; resolves {code, signal, stdout, stderr, ms}. */
function runCli(tool, args, env = {}, { timeoutMs = 20000 } = {}) {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, {
      env: { ...az.isolateAzureEnv({ ...process.env }), PATH: `${az.BIN_DIR}${path.delimiter}${process.env.PATH}`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const AZ_ARGS = ['account', 'get-access-token', '--output', 'json', '--scope', az.SCOPE];
const AZD_ARGS = ['auth', 'token', '--output', 'json', '--no-prompt', '--scope', az.SCOPE];

test('fake az and azd', async (t) => {
  const emu = await startForTest(test);
  const work = az.tmpDir('llmauth-azure-cli-');
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));
  const lookup = async (token) => (await emu.control('POST', 'azure/tokens/lookup', { token })).json;
  t.beforeEach(() => emu.reset());

  await t.test('az ok: the shape of az account get-access-token, argv log', async () => {
    const log = path.join(work, 'cli-ok.log');
    const r = await runCli('az', [...AZ_ARGS, '--tenant', 'tenant-x'], { LLMAUTH_FAKE_CLI_LOG: log });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['accessToken', 'expiresOn', 'expires_on', 'subscription', 'tenant', 'tokenType']);
    assert.match(out.accessToken, /^fake-az-token-/);
    assert.equal(out.tenant, 'tenant-x');
    assert.equal(out.tokenType, 'Bearer');
    assert.ok(Number.isInteger(out.expires_on));
    assert.ok(Math.abs(out.expires_on - (Date.now() / 1000 + 3600)) < 10);
    assert.match(out.expiresOn, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
    // expiresOn is local time: parse it as local and compare
    const [d, tm] = out.expiresOn.split(' ');
    const [Y, M, D] = d.split('-').map(Number);
    const [h, m, s] = tm.split(':').map(Number);
    assert.equal(Math.floor(new Date(Y, M - 1, D, h, m, Math.floor(s)).getTime() / 1000), out.expires_on);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].tool, 'az');
    assert.deepEqual(lines[0].argv, [...AZ_ARGS, '--tenant', 'tenant-x']);
    assert.equal(lines[0].mode, 'ok');
    // --resource (what AzureCliCredential sends) and fixed token/lifetime
    const r2 = await runCli('az', ['account', 'get-access-token', '--output', 'json', '--resource', az.RESOURCE],
      { LLMAUTH_FAKE_AZ_TOKEN: 'fixed-token', LLMAUTH_FAKE_AZ_EXPIRES_IN: '60' });
    const out2 = JSON.parse(r2.stdout);
    assert.equal(out2.accessToken, 'fixed-token');
    assert.ok(Math.abs(out2.expires_on - (Date.now() / 1000 + 60)) < 10);
  });

  await t.test('az modes: not-logged-in, error, garbage, missing-token, legacy, usage errors', async () => {
    const nl = await runCli('az', AZ_ARGS, { LLMAUTH_FAKE_AZ_MODE: 'not-logged-in' });
    assert.equal(nl.code, 1);
    assert.equal(nl.stdout, '');
    assert.match(nl.stderr, /Please run 'az login' to setup account\./);
    const er = await runCli('az', AZ_ARGS, { LLMAUTH_FAKE_AZ_MODE: 'error' });
    assert.equal(er.code, 1);
    assert.match(er.stderr, /^ERROR: AADSTS70043/);
    const g = await runCli('az', AZ_ARGS, { LLMAUTH_FAKE_AZ_MODE: 'garbage' });
    assert.equal(g.code, 0);
    assert.throws(() => JSON.parse(g.stdout));
    const mt = await runCli('az', AZ_ARGS, { LLMAUTH_FAKE_AZ_MODE: 'missing-token' });
    assert.equal(mt.code, 0);
    assert.ok(!('accessToken' in JSON.parse(mt.stdout)));
    const lg = await runCli('az', AZ_ARGS, { LLMAUTH_FAKE_AZ_MODE: 'legacy' });
    assert.ok(!('expires_on' in JSON.parse(lg.stdout)));
    assert.ok(JSON.parse(lg.stdout).expiresOn);
    for (const args of [['account', 'show'], [...AZ_ARGS, '--bogus'], [...AZ_ARGS, '--resource', 'x'], ['account', 'get-access-token', '-o', 'table']]) {
      const u = await runCli('az', args);
      assert.equal(u.code, 2, args.join(' '));
      assert.match(u.stderr, /^az: error: /);
    }
    assert.equal((await runCli('az', AZ_ARGS, { LLMAUTH_FAKE_AZ_MODE: 'nonsense' })).code, 2);
  });

  await t.test('slow mode: sleeps LLMAUTH_FAKE_CLI_SLOW_SECONDS (default 30 s) before answering', async () => {
    const s = await runCli('az', AZ_ARGS, { LLMAUTH_FAKE_AZ_MODE: 'slow', LLMAUTH_FAKE_CLI_SLOW_SECONDS: '0.5' });
    assert.equal(s.code, 0);
    assert.ok(s.ms >= 450, `${s.ms} ms`);
    assert.ok(JSON.parse(s.stdout).accessToken);
    const k = await runCli('azd', AZD_ARGS, { LLMAUTH_FAKE_AZD_MODE: 'slow' }, { timeoutMs: 700 });
    assert.equal(k.signal, 'SIGKILL', 'still sleeping when the caller gave up');
    assert.equal(k.stdout, '');
  });

  await t.test('azd: shape, modes, usage errors', async () => {
    const log = path.join(work, 'cli-azd.log');
    const r = await runCli('azd', [...AZD_ARGS, '--tenant-id', 'tenant-y'], { LLMAUTH_FAKE_CLI_LOG: log });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['token', 'expiresOn']);
    assert.match(out.token, /^fake-azd-token-/);
    assert.match(out.expiresOn, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.ok(Math.abs(Date.parse(out.expiresOn) / 1000 - (Date.now() / 1000 + 3600)) < 10);
    assert.deepEqual(JSON.parse(fs.readFileSync(log, 'utf8')).argv, [...AZD_ARGS, '--tenant-id', 'tenant-y']);
    const nl = await runCli('azd', AZD_ARGS, { LLMAUTH_FAKE_AZD_MODE: 'not-logged-in' });
    assert.equal(nl.code, 1);
    assert.match(nl.stderr, /not logged in, run `azd auth login` to login/);
    assert.equal((await runCli('azd', AZD_ARGS, { LLMAUTH_FAKE_AZD_MODE: 'error' })).code, 1);
    const garbage = await runCli('azd', AZD_ARGS, { LLMAUTH_FAKE_AZD_MODE: 'garbage' });
    assert.equal(garbage.code, 0);
    assert.throws(() => JSON.parse(garbage.stdout));
    assert.ok(!('token' in JSON.parse((await runCli('azd', AZD_ARGS, { LLMAUTH_FAKE_AZD_MODE: 'missing-token' })).stdout)));
    assert.equal((await runCli('azd', ['auth', 'login'])).code, 2);
    assert.equal((await runCli('azd', [...AZD_ARGS, '--what'])).code, 2);
  });

  await t.test('tokens are registered with the emulator when LLMAUTH_EMULATOR_URL is set', async () => {
    const r = await runCli('az', [...AZ_ARGS, '--tenant', az.TENANT], { LLMAUTH_EMULATOR_URL: emu.base });
    assert.equal(r.code, 0, r.stderr);
    const tok = JSON.parse(r.stdout).accessToken;
    const rec = await lookup(tok);
    assert.equal(rec.known, true);
    assert.equal(rec.source, 'az');
    assert.equal(rec.scope, az.SCOPE);
    assert.equal(rec.resource, az.RESOURCE);
    assert.equal(rec.tenant_id, az.TENANT);
    assert.equal(rec.expires_at, JSON.parse(r.stdout).expires_on);
    const d = await runCli('azd', AZD_ARGS, { LLMAUTH_EMULATOR_URL: emu.info.https, LLMAUTH_EMULATOR_CA: emu.info.ca });
    assert.equal(d.code, 0, d.stderr);
    assert.equal((await lookup(JSON.parse(d.stdout).token)).source, 'azd');
    // without the variable the token is unknown to the emulator
    const n = await runCli('az', AZ_ARGS);
    assert.equal((await lookup(JSON.parse(n.stdout).accessToken)).known, false);
    // an unreachable emulator is an error (exit 3), not a silently unregistered token
    const bad = await runCli('az', AZ_ARGS, { LLMAUTH_EMULATOR_URL: 'http://127.0.0.1:1' });
    assert.equal(bad.code, 3);
    assert.equal(bad.stdout, '');
  });

  await t.test('@azure/identity AzureCliCredential and AzureDeveloperCliCredential run the fakes from PATH', async () => {
    const saved = { ...process.env };
    const log = path.join(work, 'cli-sdk.log');
    try {
      process.env.PATH = `${az.BIN_DIR}${path.delimiter}${process.env.PATH}`;
      process.env.LLMAUTH_FAKE_CLI_LOG = log;
      process.env.LLMAUTH_EMULATOR_URL = emu.base;
      const cli = await new AzureCliCredential({ tenantId: az.TENANT }).getToken(az.SCOPE);
      assert.match(cli.token, /^fake-az-token-/);
      assert.ok(Math.abs(cli.expiresOnTimestamp - (Date.now() + 3600e3)) < 10e3);
      assert.equal((await lookup(cli.token)).source, 'az');
      const azd = await new AzureDeveloperCliCredential({ tenantId: az.TENANT }).getToken(az.SCOPE);
      assert.match(azd.token, /^fake-azd-token-/);
      const calls = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(calls[0].argv, ['account', 'get-access-token', '--output', 'json', '--resource', az.RESOURCE, '--tenant', az.TENANT]);
      assert.deepEqual(calls[1].argv, ['auth', 'token', '--output', 'json', '--no-prompt', '--scope', az.SCOPE, '--tenant-id', az.TENANT]);

      process.env.LLMAUTH_FAKE_AZ_MODE = 'not-logged-in';
      process.env.LLMAUTH_FAKE_AZD_MODE = 'not-logged-in';
      await assert.rejects(new AzureCliCredential().getToken(az.SCOPE), (e) => e.name === 'CredentialUnavailableError' && /az login/.test(e.message));
      await assert.rejects(new AzureDeveloperCliCredential().getToken(az.SCOPE), (e) => e.name === 'CredentialUnavailableError' && /azd auth login/.test(e.message));
      process.env.LLMAUTH_FAKE_AZ_MODE = 'garbage';
      await assert.rejects(new AzureCliCredential().getToken(az.SCOPE));
      process.env.LLMAUTH_FAKE_AZ_MODE = 'slow';
      process.env.LLMAUTH_FAKE_CLI_SLOW_SECONDS = '5';
      await assert.rejects(new AzureCliCredential({ processTimeoutInMs: 500 }).getToken(az.SCOPE));
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});
