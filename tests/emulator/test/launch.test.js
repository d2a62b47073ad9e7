'use strict';
// The start/stop contract the C++ integration tests rely on: launch.js start|stop and
// server.js run as their own processes.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const { request, sleep } = require('../testlib/helpers');

const ROOT = path.resolve(__dirname, '..');
const LAUNCH = path.join(ROOT, 'launch.js');
const SERVER = path.join(ROOT, 'src', 'server.js');

function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

test('launch.js start → emulator.json → stop', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmauth-emulator-launch-'));
  let pid;
  t.after(() => {
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  fs.writeFileSync(path.join(dir, 'emulator.json'), '{"stale":true}');
  const out = execFileSync(process.execPath, [LAUNCH, 'start', '--state-dir', dir], { encoding: 'utf8', timeout: 25000 });
  const info = JSON.parse(out.trim());
  pid = info.pid;
  assert.match(info.http, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(info.https, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(info.ca, path.join(dir, 'ca.pem'));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'emulator.json'), 'utf8')), info);
  assert.ok(alive(pid));
  assert.equal((await request(`${info.http}/__control/health`)).status, 200);
  assert.equal((await request(`${info.https}/__control/health`, { ca: fs.readFileSync(info.ca) })).status, 200);
  // traffic is logged to DIR/emulator.log without secrets
  await request(`${info.http}/latest/meta-data/iam/security-credentials/llmauth-test-role`);

  execFileSync(process.execPath, [LAUNCH, 'stop', '--state-dir', dir], { timeout: 10000 });
  assert.ok(!alive(pid), 'server stopped');
  assert.ok(!fs.existsSync(path.join(dir, 'emulator.json')));
  const log = fs.readFileSync(path.join(dir, 'emulator.log'), 'utf8');
  assert.match(log, /GET \/latest\/meta-data\/iam\/security-credentials\/llmauth-test-role -> 200/);
  assert.doesNotMatch(log, /SecretAccessKey|wJalrXUtnFEMI/);
  // stopping again is fine
  execFileSync(process.execPath, [LAUNCH, 'stop', '--state-dir', dir], { timeout: 10000 });
});

test('launch.js start fails with the log tail when the server cannot start', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmauth-emulator-launch-'));
  try {
    // --https-port takes a number: make the server die on a bad one
    let err;
    try {
      execFileSync(process.execPath, [LAUNCH, 'start', '--state-dir', dir, '--https-port', 'x'], { encoding: 'utf8', stdio: 'pipe', timeout: 25000 });
    } catch (e) {
      err = e;
    }
    assert.ok(err, 'start failed');
    assert.notEqual(err.status, 0);
    assert.match(err.stderr, /emulator did not start/);
    assert.match(err.stderr, /--https-port must be a non-negative integer/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('server.js prints its JSON line and exits by itself after --max-lifetime-seconds', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmauth-emulator-life-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [SERVER, '--state-dir', dir, '--max-lifetime-seconds', '1', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
  const code = await exited;
  clearTimeout(timer);
  assert.equal(code, 0);
  const info = JSON.parse(stdout.trim().split('\n')[0]);
  assert.equal(info.pid, child.pid);
  assert.ok(!fs.existsSync(path.join(dir, 'emulator.json')), 'emulator.json removed on exit');
  await sleep(0);
});
