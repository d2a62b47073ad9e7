'use strict';
// The fake `az` and `azd` executables (bin/az, bin/azd) for llmauth's developer-tool
// credentials. They parse the few commands the SDKs run, print what the real tools print,
// and behave as the test asks through LLMAUTH_FAKE_AZ_MODE / LLMAUTH_FAKE_AZD_MODE.
// See bin/az for the environment variables.

const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const crypto = require('node:crypto');

const DEFAULT_TENANT = '00000000-0000-0000-0000-000000000001';
const SUBSCRIPTION = '00000000-0000-0000-0000-0000000000aa';
const MODES = {
  az: ['ok', 'not-logged-in', 'slow', 'garbage', 'missing-token', 'error', 'legacy'],
  azd: ['ok', 'not-logged-in', 'slow', 'garbage', 'missing-token', 'error'],
};

class UsageError extends Error {}

function pad(n, w = 2) {
  return String(n).padStart(w, '0');
}

/** "2026-01-02 03:04:05.000000" in local time, as `az` prints expiresOn. */
function azLocalTime(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds() * 1000, 6)}`;
}

/** Splits argv into {positionals, options: {name: [values]}, flags: Set}. */
function parseArgs(argv, { valued, flags, multi = new Set(), aliases = {} }) {
  const positionals = [];
  const options = {};
  const seenFlags = new Set();
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (!a.startsWith('-')) {
      positionals.push(a);
      continue;
    }
    let inline;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      inline = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    a = aliases[a] ?? a;
    if (flags.has(a)) {
      seenFlags.add(a);
      continue;
    }
    if (!valued.has(a)) throw new UsageError(`unrecognized arguments: ${argv[i]}`);
    const vals = [];
    if (inline !== undefined) vals.push(inline);
    else {
      while (i + 1 < argv.length && !argv[i + 1].startsWith('-')) {
        vals.push(argv[++i]);
        if (!multi.has(a)) break;
      }
    }
    if (vals.length === 0) throw new UsageError(`argument ${a}: expected one argument`);
    options[a] = [...(options[a] ?? []), ...vals];
  }
  return { positionals, options, flags: seenFlags };
}

function register(url, record) {
  return new Promise((resolve, reject) => {
    const u = new URL('/__control/azure/tokens', url);
    const body = JSON.stringify(record);
    const mod = u.protocol === 'https:' ? https : http;
    const ca = process.env.LLMAUTH_EMULATOR_CA ? fs.readFileSync(process.env.LLMAUTH_EMULATOR_CA) : undefined;
    const req = mod.request(
      u,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, ca, timeout: 5000 },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

function logCall(tool, argv, mode) {
  const file = process.env.LLMAUTH_FAKE_CLI_LOG;
  if (!file) return;
  const line = JSON.stringify({ tool, argv, mode, cwd: process.cwd(), time: new Date().toISOString(), pid: process.pid });
  fs.appendFileSync(file, line + '\n');
}

/** Parses the command; returns {scope, resource, tenant} or throws UsageError. */
function parseAz(argv) {
  const p = parseArgs(argv, {
    valued: new Set(['--output', '--scope', '--resource', '--resource-type', '--tenant', '--subscription', '--query']),
    flags: new Set(['--only-show-errors', '--debug', '--verbose']),
    multi: new Set(['--scope']),
    aliases: { '-o': '--output', '-t': '--tenant', '-s': '--subscription' },
  });
  if (p.positionals[0] !== 'account' || p.positionals[1] !== 'get-access-token' || p.positionals.length !== 2) {
    throw new UsageError(`'${p.positionals.join(' ')}' is not implemented by this fake az (only 'account get-access-token')`);
  }
  const out = (p.options['--output'] ?? ['json']).at(-1);
  if (out !== 'json') throw new UsageError(`the fake az prints --output json only (got '${out}')`);
  const scopes = p.options['--scope'];
  const resource = p.options['--resource']?.at(-1);
  if (scopes && resource) throw new UsageError('usage error: --resource/--resource-type/--scope are mutually exclusive');
  const scope = scopes ? scopes.join(' ') : `${resource ?? 'https://management.core.windows.net/'}/.default`.replace(/\/+\.default$/, '/.default');
  return {
    scope,
    resource: resource ?? (scopes ? scopes[0].replace(/\/\.default$/, '') : 'https://management.core.windows.net/'),
    tenant: p.options['--tenant']?.at(-1),
    subscription: p.options['--subscription']?.at(-1)?.replace(/^"(.*)"$/, '$1'),
  };
}

function parseAzd(argv) {
  const p = parseArgs(argv, {
    valued: new Set(['--output', '--scope', '--tenant-id', '--claims', '--cwd', '--environment']),
    flags: new Set(['--no-prompt', '--debug', '--help']),
    aliases: { '-o': '--output', '-C': '--cwd', '-e': '--environment' },
  });
  if (p.positionals[0] !== 'auth' || p.positionals[1] !== 'token' || p.positionals.length !== 2) {
    throw new UsageError(`unknown command "${p.positionals.join(' ')}" for the fake azd (only 'auth token')`);
  }
  const out = (p.options['--output'] ?? ['json']).at(-1);
  if (out !== 'json') throw new UsageError(`the fake azd prints --output json only (got '${out}')`);
  const scopes = p.options['--scope'] ?? ['https://management.azure.com//.default'];
  return { scope: scopes.join(' '), resource: scopes[0].replace(/\/\.default$/, ''), tenant: p.options['--tenant-id']?.at(-1) };
}

function main(tool, argv) {
  run(tool, argv).catch((e) => {
    process.stderr.write(`fake ${tool}: internal error: ${e && e.stack ? e.stack : e}\n`);
    process.exitCode = 70;
  });
}

async function run(tool, argv) {
  const env = process.env;
  const up = tool.toUpperCase();
  const mode = env[`LLMAUTH_FAKE_${up}_MODE`] || 'ok';
  logCall(tool, argv, mode);
  const fail = (msg, code = 1) => {
    process.stderr.write(msg.endsWith('\n') ? msg : `${msg}\n`);
    process.exitCode = code;
  };
  if (!MODES[tool].includes(mode)) return fail(`fake ${tool}: unknown LLMAUTH_FAKE_${up}_MODE '${mode}' (one of ${MODES[tool].join(', ')})`, 2);

  let req;
  try {
    req = tool === 'az' ? parseAz(argv) : parseAzd(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return fail(tool === 'az' ? `az: error: ${e.message}` : `Error: ${e.message}`, 2);
  }

  if (mode === 'slow') {
    const secs = Number(env.LLMAUTH_FAKE_CLI_SLOW_SECONDS ?? 30);
    await new Promise((r) => setTimeout(r, (Number.isFinite(secs) ? secs : 30) * 1000));
  }
  if (mode === 'not-logged-in') {
    return fail(tool === 'az' ? "ERROR: Please run 'az login' to setup account." : 'ERROR: not logged in, run `azd auth login` to login');
  }
  if (mode === 'error') {
    return fail(tool === 'az'
      ? "ERROR: AADSTS70043: The refresh token has expired or is invalid due to sign-in frequency checks by conditional access. (fake az error mode)\nInteractive authentication is needed. Please run:\naz login --scope " + req.scope
      : 'ERROR: fetching token: failed to acquire token: fake azd error mode (AADSTS50173)');
  }
  if (mode === 'garbage') {
    process.stdout.write('<html><body>this is not JSON: fake ' + tool + ' garbage mode</body></html>\n');
    return undefined;
  }

  const lifetime = Number(env[`LLMAUTH_FAKE_${up}_EXPIRES_IN`] ?? 3600);
  const nowMs = Date.now();
  const expiresOn = Math.floor(nowMs / 1000) + (Number.isFinite(lifetime) ? Math.trunc(lifetime) : 3600);
  const token = env[`LLMAUTH_FAKE_${up}_TOKEN`] || `fake-${tool}-token-${crypto.randomBytes(24).toString('base64url')}`;
  const tenant = req.tenant ?? DEFAULT_TENANT;

  if (env.LLMAUTH_EMULATOR_URL && mode !== 'missing-token') {
    try {
      await register(env.LLMAUTH_EMULATOR_URL, {
        token,
        source: tool,
        scope: req.scope,
        resource: req.resource,
        tenant_id: tenant,
        expires_on: expiresOn,
      });
    } catch (e) {
      return fail(`fake ${tool}: could not register the token with the emulator at ${env.LLMAUTH_EMULATOR_URL}: ${e.message}`, 3);
    }
  }

  let out;
  if (tool === 'az') {
    out = {
      accessToken: token,
      expiresOn: azLocalTime(expiresOn * 1000),
      expires_on: expiresOn,
      subscription: req.subscription ?? SUBSCRIPTION,
      tenant,
      tokenType: 'Bearer',
    };
    if (mode === 'legacy') delete out.expires_on;
    if (mode === 'missing-token') delete out.accessToken;
  } else {
    out = { token, expiresOn: new Date(expiresOn * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    if (mode === 'missing-token') delete out.token;
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  return undefined;
}

module.exports = { main, azLocalTime, parseAz, parseAzd };
