'use strict';
// Checks the emulator's SigV4 verifier against AWS's SigV4 test suite (shared/testdata):
// every signed request of the suite must verify, a wrong signature must not, and the
// diagnostics must reproduce the suite's canonical request and string to sign.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { verifySigV4 } = require('../src/aws/sigv4verify');

const SUITE =
  process.env.AWS_SIGV4_TEST_SUITE_DIR ||
  path.resolve(__dirname, '../../../../shared/testdata/aws-signing-test-suite/v4');
const haveSuite = fs.existsSync(SUITE);

/** Parses one request file of the suite into the verifier's input. */
function parseRequestFile(text) {
  const nl = text.indexOf('\n\n');
  const head = nl < 0 ? text : text.slice(0, nl);
  const body = nl < 0 ? '' : text.slice(nl + 2);
  const lines = head.split('\n');
  const first = lines.shift();
  const method = first.slice(0, first.indexOf(' '));
  const target = first.slice(first.indexOf(' ') + 1).replace(/ HTTP\/1\.1$/, '');
  const q = target.indexOf('?');
  const rawHeaders = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      // obsolete line folding: continuation of the previous header value
      rawHeaders[rawHeaders.length - 1] += '\n' + line;
      continue;
    }
    const c = line.indexOf(':');
    rawHeaders.push(line.slice(0, c), line.slice(c + 1).trim());
  }
  return {
    method,
    rawPath: q < 0 ? target : target.slice(0, q),
    rawQuery: q < 0 ? '' : target.slice(q + 1),
    rawHeaders,
    body: Buffer.from(body, 'utf8'),
  };
}

function casesOf() {
  if (!haveSuite) return [];
  return fs
    .readdirSync(SUITE)
    .filter((d) => fs.existsSync(path.join(SUITE, d, 'context.json')))
    .sort();
}

function lookupFor(ctx) {
  return (akid) =>
    akid === ctx.credentials.access_key_id
      ? ctx.credentials.token
        ? { kind: 'temporary', secretAccessKey: ctx.credentials.secret_access_key, sessionToken: ctx.credentials.token, expiration: Infinity }
        : { kind: 'user', secretAccessKey: ctx.credentials.secret_access_key }
      : null;
}

test('SigV4 test suite vectors verify', { skip: haveSuite ? false : `suite not found at ${SUITE}` }, async (t) => {
  let checked = 0;
  for (const name of casesOf()) {
    const dir = path.join(SUITE, name);
    const ctx = JSON.parse(fs.readFileSync(path.join(dir, 'context.json'), 'utf8'));
    // The emulator verifies non-S3 services: the path is normalized and encoded again.
    if (ctx.normalize === false) continue;
    const read = (f) => fs.readFileSync(path.join(dir, f), 'utf8');
    await t.test(name, async () => {
      const opts = { lookup: lookupFor(ctx), maxSkewSeconds: null };

      const header = parseRequestFile(read('header-signed-request.txt'));
      const hr = await verifySigV4(header, opts);
      assert.equal(hr.ok, true, `header form: ${hr.message}\n${hr.canonicalRequest ?? ''}`);
      assert.equal(hr.signature, read('header-signature.txt').trim());

      const query = parseRequestFile(read('query-signed-request.txt'));
      const qr = await verifySigV4(query, opts);
      if (ctx.omit_session_token) {
        // The token was appended to the query after signing (IoT style): real services
        // outside IoT reject that, and so does the emulator.
        assert.equal(qr.ok, false);
      } else {
        assert.equal(qr.ok, true, `query form: ${qr.message}\n${qr.canonicalRequest ?? ''}`);
        assert.equal(qr.signature, read('query-signature.txt').trim());
      }

      // A wrong signature fails and the diagnostics show the suite's canonical request.
      const bad = parseRequestFile(read('header-signed-request.txt').replace(/Signature=[0-9a-f]+/, `Signature=${'0'.repeat(64)}`));
      const br = await verifySigV4(bad, opts);
      assert.equal(br.ok, false);
      assert.equal(br.reason, 'mismatch');
      assert.equal(br.expectedSignature, read('header-signature.txt').trim());
      if (!ctx.credentials.token) {
        assert.equal(br.canonicalRequest, read('header-canonical-request.txt'));
        assert.equal(br.stringToSign, read('header-string-to-sign.txt'));
      }
    });
    checked++;
  }
  assert.ok(checked >= 25, `only ${checked} vectors checked`);
});

test('a request signed for another secret does not verify', { skip: !haveSuite }, async () => {
  const dir = path.join(SUITE, 'get-vanilla');
  const req = parseRequestFile(fs.readFileSync(path.join(dir, 'header-signed-request.txt'), 'utf8'));
  const r = await verifySigV4(req, { lookup: () => ({ kind: 'user', secretAccessKey: 'not-the-secret' }), maxSkewSeconds: null });
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'mismatch');
});

test('clock checks apply only when maxSkewSeconds is set', { skip: !haveSuite }, async () => {
  const dir = path.join(SUITE, 'get-vanilla');
  const ctx = JSON.parse(fs.readFileSync(path.join(dir, 'context.json'), 'utf8'));
  const req = parseRequestFile(fs.readFileSync(path.join(dir, 'header-signed-request.txt'), 'utf8'));
  const r = await verifySigV4(req, { lookup: lookupFor(ctx), maxSkewSeconds: 900 });
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'skew');
  assert.match(r.message, /^Signature expired: 20150830T123600Z is now earlier than/);
  const nowMs = Date.parse('2015-08-30T12:40:00Z');
  const r2 = await verifySigV4(req, { lookup: lookupFor(ctx), maxSkewSeconds: 900, nowMs });
  assert.equal(r2.ok, true);
});
