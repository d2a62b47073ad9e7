#!/usr/bin/env node
'use strict';
// llmauth cloud emulator: router, control API, fault injection, counters and request log.
// The endpoints themselves live in providers (src/aws/, src/azure/, src/llm/).
//
//   node src/server.js --state-dir DIR [--max-lifetime-seconds 1800] [--http-port 0]
//                      [--https-port 0] [--quiet]
//
// Listens on 127.0.0.1 only (HTTP and HTTPS, same routes), writes DIR/emulator.json
// atomically and prints the same JSON as one line on stdout. Never connects anywhere.

const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const https = require('node:https');
const { generateTlsMaterial } = require('./tls');
const { foldRawHeaders } = require('./aws/sigv4verify');
const {
  parseRawQuery,
  parseForm,
  sendJson,
  sendRaw,
  isPlainObject,
  deepClone,
  HttpError,
} = require('./util');

const HOST = '127.0.0.1';
const MAX_BODY = 32 * 1024 * 1024;
const MAX_LOG = 1000;
const DEFAULT_MAX_LIFETIME_SECONDS = 30 * 60;
const CONTROL_PREFIX = '/__control/';

// ---- configuration ------------------------------------------------------------------------------

const CORE_CONFIG_DEFAULTS = { credential_ttl_seconds: null };
const CORE_CONFIG_SCHEMA = {
  credential_ttl_seconds: (v) =>
    v === null || (Number.isInteger(v) && v >= 1 && v <= 7 * 24 * 3600) ? null : 'must be null or an integer in 1..604800',
};

/** Merges `patch` into `target` following `schema`; throws HttpError(400) on anything unknown or invalid. */
function mergeConfig(target, patch, schema, prefix = '') {
  if (!isPlainObject(patch)) throw new HttpError(400, `config${prefix ? ` '${prefix}'` : ''} must be a JSON object`);
  for (const [k, v] of Object.entries(patch)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (!Object.prototype.hasOwnProperty.call(schema, k)) throw new HttpError(400, `unknown config key '${key}'`);
    const s = schema[k];
    if (typeof s === 'function') {
      const err = s(v);
      if (err) throw new HttpError(400, `config '${key}' ${err}`);
      target[k] = v;
    } else {
      mergeConfig(target[k], v, s, key);
    }
  }
}

// ---- request log redaction ----------------------------------------------------------------------

const REDACTED = '<redacted>';
const SECRET_HEADERS = new Set(['x-amz-security-token', 'x-aws-ec2-metadata-token', 'api-key', 'x-amz-sso_bearer_token']);
const SECRET_QUERY = new Set(['X-Amz-Signature', 'X-Amz-Security-Token']);
const SECRET_FORM = new Set(['SecretAccessKey', 'SessionToken', 'client_secret', 'client_assertion', 'password']);

function redactAuthorization(value) {
  if (value.startsWith('AWS4-HMAC-SHA256')) return value.replace(/Signature=[^,\s]*/, `Signature=${REDACTED}`);
  const sp = value.indexOf(' ');
  return sp > 0 ? `${value.slice(0, sp)} ${REDACTED}` : REDACTED;
}

function redactHeaders(headers, keepAuthorization) {
  const out = {};
  for (const [k, v] of Object.entries(headers)) {
    if (SECRET_HEADERS.has(k)) out[k] = REDACTED;
    else if (k === 'authorization' && !keepAuthorization) out[k] = redactAuthorization(v);
    else out[k] = v;
  }
  return out;
}

function redactObject(obj, secretKeys) {
  const out = {};
  for (const [k, v] of Object.entries(obj)) out[k] = secretKeys.has(k) ? REDACTED : v;
  return out;
}

// ---- faults ---------------------------------------------------------------------------------------

function validateFault(body, emu) {
  if (!isPlainObject(body)) throw new HttpError(400, 'fault must be a JSON object');
  const known = new Set(['target', 'count', 'status', 'delay_ms', 'body', 'headers', 'code', 'message', 'close']);
  for (const k of Object.keys(body)) if (!known.has(k)) throw new HttpError(400, `unknown fault field '${k}'`);
  const { target } = body;
  const okTarget =
    target === '*' ||
    (typeof target === 'string' && emu.targets.some((t) => target === t.target || target.startsWith(`${t.target}.`)));
  if (!okTarget) {
    throw new HttpError(400, `fault target must be '*', one of ${emu.targets.map((t) => t.target).join(', ')} or a counter name such as 'imds.token'`);
  }
  const count = body.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 1000000) throw new HttpError(400, 'count must be an integer >= 1');
  if (body.status !== undefined && (!Number.isInteger(body.status) || body.status < 200 || body.status > 599)) {
    throw new HttpError(400, 'status must be an integer in 200..599');
  }
  const delay = body.delay_ms ?? 0;
  if (!Number.isInteger(delay) || delay < 0 || delay > 600000) throw new HttpError(400, 'delay_ms must be an integer in 0..600000');
  if (body.body !== undefined && typeof body.body !== 'string') throw new HttpError(400, 'body must be a string');
  if (body.headers !== undefined && (!isPlainObject(body.headers) || Object.values(body.headers).some((v) => typeof v !== 'string'))) {
    throw new HttpError(400, 'headers must be an object of strings');
  }
  for (const k of ['code', 'message']) {
    if (body[k] !== undefined && typeof body[k] !== 'string') throw new HttpError(400, `${k} must be a string`);
  }
  if (body.close !== undefined && typeof body.close !== 'boolean') throw new HttpError(400, 'close must be a boolean');
  if (body.status === undefined && delay === 0 && !body.close) {
    throw new HttpError(400, 'a fault needs status, delay_ms > 0 or close: true');
  }
  if (body.status !== undefined && body.close) throw new HttpError(400, 'status and close exclude each other');
  return {
    target,
    remaining: count,
    status: body.status,
    delay_ms: delay,
    body: body.body,
    headers: body.headers,
    code: body.code,
    message: body.message,
    close: !!body.close,
  };
}

function sleep(ms, res) {
  return new Promise((resolve) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

// ---- the emulator ------------------------------------------------------------------------------------

class Emulator {
  /**
   * @param {object} [opts] providers (default [aws, azure, llm]), quiet (no per-request lines on stderr),
   *   now (clock function, ms)
   */
  constructor(opts = {}) {
    this.providers = opts.providers ?? [require('./aws'), require('./azure'), require('./llm')];
    this.quiet = !!opts.quiet;
    this.nowFn = opts.now ?? Date.now;
    this.targets = this.providers.flatMap((p) => p.targets);
    this.configSchema = { ...CORE_CONFIG_SCHEMA };
    this.controlRoutes = {};
    for (const p of this.providers) {
      Object.assign(this.configSchema, p.configSchema ?? {});
      Object.assign(this.controlRoutes, p.controlRoutes ?? {});
    }
    this.info = null;
    this.seq = 0;
    this.reset();
  }

  now() {
    return this.nowFn();
  }

  reset() {
    this.config = deepClone(CORE_CONFIG_DEFAULTS);
    this.state = {};
    for (const p of this.providers) {
      Object.assign(this.config, p.configDefaults ? p.configDefaults() : {});
      this.state[p.name] = p.createState ? p.createState() : {};
    }
    this.faults = [];
    this.log = [];
    this.counters = {};
    for (const t of this.targets) for (const c of t.counterNames ?? []) this.counters[c] = 0;
  }

  count(name) {
    this.counters[name] = (this.counters[name] ?? 0) + 1;
  }

  /** node request listener, shared by the HTTP and HTTPS servers */
  async handle(req, res, scheme) {
    const started = Date.now();
    let url = req.url ?? '/';
    // absolute-form request target (a client talking to us as if we were its proxy)
    const abs = /^https?:\/\/[^/?#]*/i.exec(url);
    if (abs) url = url.slice(abs[0].length) || '/';
    const qpos = url.indexOf('?');
    const rawPath = qpos < 0 ? url : url.slice(0, qpos);
    const rawQuery = qpos < 0 ? '' : url.slice(qpos + 1);
    res.on('finish', () => {
      if (!this.quiet && !rawPath.startsWith(CONTROL_PREFIX)) {
        // Path only: the query may carry presigned credentials.
        process.stderr.write(`[emulator] ${scheme} ${req.method} ${rawPath} -> ${res.statusCode} (${Date.now() - started} ms)\n`);
      }
    });
    try {
      const body = await readBody(req);
      if (rawPath.startsWith(CONTROL_PREFIX)) return await this.control(req, res, rawPath, rawQuery, body);
      await this.dispatch({ req, res, scheme, method: req.method, rawPath, rawQuery, body });
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = e instanceof HttpError ? e.status : 500;
      if (status === 500) process.stderr.write(`[emulator] internal error: ${e && e.stack ? e.stack : e}\n`);
      sendJson(res, status, { error: e.message ?? String(e) });
    }
  }

  async dispatch(base) {
    const { req, res } = base;
    const headers = foldRawHeaders(req.rawHeaders);
    const ctx = {
      ...base,
      headers,
      query: parseRawQuery(base.rawQuery),
      form: /^application\/x-www-form-urlencoded/i.test(headers['content-type'] ?? '') ? parseForm(base.body) : null,
    };
    const mod = this.targets.find((t) => t.match(ctx));
    ctx.target = mod ? mod.target : 'unknown';
    ctx.counter = mod ? mod.counter(ctx) : 'unknown';
    this.count(ctx.counter);

    const entry = {
      seq: ++this.seq,
      time: new Date(this.now()).toISOString(),
      scheme: base.scheme,
      target: ctx.target,
      counter: ctx.counter,
      method: ctx.method,
      path: ctx.rawPath,
      query: redactObject(ctx.query, SECRET_QUERY),
      headers: redactHeaders(headers, !!(mod && mod.logAuthorizationAsIs) || ctx.target === 'container'),
      form: ctx.form ? redactObject(ctx.form, SECRET_FORM) : undefined,
      body_length: ctx.body.length,
      fault: false,
      status: null,
    };
    ctx.logEntry = entry;
    ctx.recordSigV4 = (r) => {
      entry.sigv4 = {
        valid: r.ok,
        reason: r.ok ? undefined : r.reason,
        message: r.ok ? undefined : r.message,
        access_key_id: r.accessKeyId,
        service: r.service,
        region: r.region,
        signed_headers: r.signedHeaders,
        presigned: r.presigned,
        expected_signature: r.expectedSignature,
        canonical_request: r.canonicalRequest,
        string_to_sign: r.stringToSign,
      };
    };
    this.log.push(entry);
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });

    if (!mod) {
      return sendJson(res, 404, { error: `no emulator route for ${ctx.method} ${ctx.rawPath}` });
    }

    const idx = this.faults.findIndex((f) => f.target === '*' || f.target === ctx.target || f.target === ctx.counter);
    if (idx >= 0) {
      const fault = this.faults[idx];
      if (--fault.remaining === 0) this.faults.splice(idx, 1);
      this.count(`fault.${ctx.target}`);
      entry.fault = true;
      await sleep(fault.delay_ms, res);
      if (res.destroyed || res.writableEnded) return undefined;
      if (fault.close) {
        req.socket.destroy();
        return undefined;
      }
      if (fault.status !== undefined) {
        if (fault.body !== undefined) {
          return sendRaw(res, fault.status, fault.body, { 'content-type': 'text/plain', ...(fault.headers ?? {}) });
        }
        return mod.faultResponse(ctx, fault, this);
      }
    }
    return mod.handle(ctx, this);
  }

  async control(req, res, rawPath, rawQuery, bodyBuf) {
    const key = `${req.method} ${rawPath.replace(/\/+$/, '')}`;
    let body = {};
    if (req.method === 'POST' && bodyBuf.length > 0) {
      try {
        body = JSON.parse(bodyBuf.toString('utf8'));
      } catch {
        throw new HttpError(400, 'control request body must be JSON');
      }
    }
    const query = parseRawQuery(rawQuery);
    switch (key) {
      case 'GET /__control/health':
        return sendJson(res, 200, { ok: true });
      case 'GET /__control/info':
        return sendJson(res, 200, this.info ?? {});
      case 'POST /__control/reset':
        this.reset();
        return sendJson(res, 200, { reset: true });
      case 'POST /__control/fault': {
        const list = Array.isArray(body) ? body : [body];
        const faults = list.map((f) => validateFault(f, this));
        this.faults.push(...faults);
        return sendJson(res, 200, { queued: this.faults.length });
      }
      case 'GET /__control/faults':
        return sendJson(res, 200, this.faults.map((f) => ({ ...f, body: f.body === undefined ? undefined : '...' })));
      case 'GET /__control/counters':
        return sendJson(res, 200, this.counters);
      case 'GET /__control/requests': {
        const limit = Math.min(Math.max(parseInt(query.limit ?? '50', 10) || 50, 1), MAX_LOG);
        let entries = this.log;
        if (query.target) entries = entries.filter((e) => e.target === query.target || e.counter === query.target);
        return sendJson(res, 200, entries.slice(-limit));
      }
      case 'GET /__control/config':
        return sendJson(res, 200, this.config);
      case 'POST /__control/config': {
        // Validate on a copy so that a bad patch changes nothing.
        const next = deepClone(this.config);
        mergeConfig(next, body, this.configSchema);
        this.config = next;
        return sendJson(res, 200, this.config);
      }
      default: {
        const route = this.controlRoutes[key];
        if (!route) throw new HttpError(404, `unknown control endpoint ${key}`);
        return sendJson(res, 200, route(body, this));
      }
    }
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

/**
 * Starts the emulator (in this process). Used by main() and by the emulator's own tests.
 * @param {object} opts stateDir (required: TLS material goes there), httpPort, httpsPort,
 *   quiet, providers, now
 * @returns {Promise<{info, emulator, close: () => Promise<void>}>}
 */
async function startEmulator(opts) {
  const stateDir = path.resolve(opts.stateDir);
  const tls = generateTlsMaterial(stateDir);
  const emulator = new Emulator(opts);
  const httpServer = http.createServer((req, res) => emulator.handle(req, res, 'http'));
  const httpsServer = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => emulator.handle(req, res, 'https'));
  for (const s of [httpServer, httpsServer]) {
    // Long enough that a client pausing between requests (waiting for credentials to expire)
    // does not race the server closing its idle connection.
    s.keepAliveTimeout = 60000;
    s.on('clientError', (err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    });
  }
  const httpPort = await listen(httpServer, opts.httpPort ?? 0);
  const httpsPort = await listen(httpsServer, opts.httpsPort ?? 0);
  emulator.info = {
    http: `http://${HOST}:${httpPort}`,
    https: `https://${HOST}:${httpsPort}`,
    ca: tls.caPath,
    pid: process.pid,
  };
  // Providers may prepare files in the state dir and add fields to emulator.json (arc_key_dir).
  for (const p of emulator.providers) if (p.start) Object.assign(emulator.info, p.start(emulator, { stateDir }) ?? {});
  let closed = null;
  const close = () => {
    closed ??= Promise.all(
      [httpServer, httpsServer].map(
        (s) =>
          new Promise((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    ).then(() => undefined);
    return closed;
  };
  return { info: emulator.info, emulator, close };
}

// ---- command line -----------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = { maxLifetimeSeconds: DEFAULT_MAX_LIFETIME_SECONDS, httpPort: 0, httpsPort: 0, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const int = (v, name) => {
      if (!/^\d+$/.test(v)) throw new Error(`${name} must be a non-negative integer`);
      return Number(v);
    };
    if (a === '--state-dir') opts.stateDir = val();
    else if (a === '--max-lifetime-seconds') opts.maxLifetimeSeconds = int(val(), a);
    else if (a === '--http-port') opts.httpPort = int(val(), a);
    else if (a === '--https-port') opts.httpsPort = int(val(), a);
    else if (a === '--quiet') opts.quiet = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!opts.stateDir) throw new Error('--state-dir DIR is required');
  return opts;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`usage: node server.js --state-dir DIR [--max-lifetime-seconds N] [--http-port N] [--https-port N] [--quiet]\n${e.message}\n`);
    process.exit(2);
  }
  const stateDir = path.resolve(opts.stateDir);
  fs.mkdirSync(stateDir, { recursive: true });
  const { info, close } = await startEmulator({ ...opts, stateDir });

  const infoPath = path.join(stateDir, 'emulator.json');
  const tmp = `${infoPath}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(info) + '\n');
  fs.renameSync(tmp, infoPath);
  process.stdout.write(JSON.stringify(info) + '\n');

  let stopping = false;
  const stop = async (why, code) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`[emulator] stopping: ${why}\n`);
    const hard = setTimeout(() => process.exit(code), 3000);
    hard.unref();
    await close();
    try {
      const cur = JSON.parse(fs.readFileSync(infoPath, 'utf8'));
      if (cur.pid === process.pid) fs.rmSync(infoPath, { force: true });
    } catch {
      // already gone or replaced
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => stop('SIGTERM', 0));
  process.on('SIGINT', () => stop('SIGINT', 0));
  process.on('SIGHUP', () => stop('SIGHUP', 0));
  if (opts.maxLifetimeSeconds > 0) {
    const t = setTimeout(() => stop(`max lifetime of ${opts.maxLifetimeSeconds} s reached`, 0), opts.maxLifetimeSeconds * 1000);
    t.unref();
  }
  process.stderr.write(`[emulator] listening on ${info.http} and ${info.https} (pid ${process.pid}); exits by itself after ${opts.maxLifetimeSeconds} s\n`);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`[emulator] failed to start: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  });
}

module.exports = { startEmulator, Emulator, parseArgs };
