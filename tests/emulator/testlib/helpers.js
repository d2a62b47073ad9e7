'use strict';
// Shared helpers of the emulator's own tests. Kept outside test/ because node --test runs
// every .js file under a test/ directory.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const https = require('node:https');
const { startEmulator } = require('../src/server');

const DEFAULT_CREDS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

/** Keeps the official SDKs away from the developer's ~/.aws and ambient credentials. */
function isolateAwsEnv() {
  for (const k of Object.keys(process.env)) {
    if (k.startsWith('AWS_')) delete process.env[k];
  }
  process.env.AWS_CONFIG_FILE = path.join(os.tmpdir(), 'llmauth-emulator-test-no-such-config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(os.tmpdir(), 'llmauth-emulator-test-no-such-credentials');
  // The SDK warns on every process that node 20 support ends in 2027; keep test output clean.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

/**
 * Starts an in-process emulator for one test file and stops it after the file.
 * @param {import('node:test')} test the node:test module (for test.after)
 */
async function startForTest(test) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmauth-emulator-test-'));
  const emu = await startEmulator({ stateDir, quiet: true });
  test.after(async () => {
    await emu.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });
  const base = emu.info.http;
  return {
    ...emu,
    stateDir,
    base,
    port: Number(new URL(base).port),
    control: (method, p, body) => request(`${base}/__control/${p}`, { method, json: body }),
    reset: async () => {
      const r = await request(`${base}/__control/reset`, { method: 'POST' });
      if (r.status !== 200) throw new Error(`reset failed: ${r.status} ${r.text}`);
    },
  };
}

/**
 * Minimal HTTP(S) client over node's http/https (no connection reuse).
 * headers may hold arrays (sent as repeated header lines).
 * @returns {Promise<{status:number, headers:object, text:string, json:any}>}
 */
function request(url, { method = 'GET', headers = {}, body, json, ca, servername } = {}) {
  const u = new URL(url);
  const h = { ...headers };
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    h['content-type'] = 'application/json';
  }
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        method,
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        headers: h,
        agent: false,
        ca,
        servername,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, text, json: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Sends a smithy HttpRequest (as returned by SignatureV4.sign/presign) to the emulator. */
function sendSigned(signed, { body, headers } = {}) {
  const qs = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${encodeURIComponent(k)}=${encodeURIComponent(x)}`))
    .join('&');
  const url = `${signed.protocol}//${signed.hostname}:${signed.port}${signed.path}${qs ? `?${qs}` : ''}`;
  return request(url, {
    method: signed.method,
    headers: headers ?? signed.headers,
    body: body ?? signed.body,
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { DEFAULT_CREDS, isolateAwsEnv, startForTest, request, sendSigned, sleep };
