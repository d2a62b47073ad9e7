'use strict';
// Helpers of the Azure tests: environment isolation, test certificates (openssl CLI), JWT
// assertions signed with node crypto, a token-endpoint client, and a child-process runner
// for @azure/identity credentials whose MSAL state is per process (managed identity).

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync, execFile } = require('node:child_process');
const { request } = require('./helpers');

const TENANT = '00000000-0000-0000-0000-000000000001';
const CLIENT = '11111111-1111-1111-1111-111111111111';
const SECRET = 'emulator-client-secret';
const SCOPE = 'https://cognitiveservices.azure.com/.default';
const RESOURCE = 'https://cognitiveservices.azure.com';
const BIN_DIR = path.resolve(__dirname, '..', 'bin');

/** Removes every variable that would steer @azure/identity or MSAL towards a real service. */
function isolateAzureEnv(env = process.env) {
  for (const k of Object.keys(env)) {
    if (/^(AZURE_|IDENTITY_|MSI_|IMDS_|LLMAUTH_FAKE_|LLMAUTH_EMULATOR_)/.test(k) || k === 'IDENTITY_SERVER_THUMBPRINT') delete env[k];
  }
  return env;
}

/**
 * Makes a self-signed RSA certificate with the openssl CLI.
 * @returns {{certPem:string, keyPem:string, combinedPath:string, certPath:string, keyPath:string}}
 */
function makeCertificate(dir, name, { bits = 2048 } = {}) {
  const keyPath = path.join(dir, `${name}.key.pem`);
  const certPath = path.join(dir, `${name}.cert.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', `rsa:${bits}`, '-nodes', '-keyout', keyPath, '-out', certPath,
    '-days', '2', '-subj', `/CN=${name}`, '-sha256'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const certPem = fs.readFileSync(certPath, 'utf8');
  const keyPem = fs.readFileSync(keyPath, 'utf8');
  const combinedPath = path.join(dir, `${name}.pem`);
  fs.writeFileSync(combinedPath, keyPem + certPem);
  return { certPem, keyPem, combinedPath, certPath, keyPath };
}

function certDer(certPem) {
  return new crypto.X509Certificate(certPem).raw;
}

/** Signs a compact JWS (RS256 … PS512) with node crypto. */
function signJwt(header, claims, keyPem, alg = header.alg ?? 'RS256') {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ ...header, alg })}.${enc(claims)}`;
  const hash = `sha${alg.slice(2)}`;
  const key = alg.startsWith('PS')
    ? { key: keyPem, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST }
    : { key: keyPem, padding: crypto.constants.RSA_PKCS1_PADDING };
  return `${input}.${crypto.sign(hash, Buffer.from(input), key).toString('base64url')}`;
}

/** An unsigned-looking JWT (for federated tokens the emulator only decodes). */
function unsignedJwt(claims) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'RS256', typ: 'JWT', kid: 'test-issuer-key' })}.${enc(claims)}.${Buffer.from('not-a-real-signature').toString('base64url')}`;
}

/** A well-formed certificate assertion; `over` overrides claims, `hdr` header fields. */
function certAssertion({ certPem, keyPem, aud, clientId = CLIENT, alg = 'RS256', over = {}, hdr = {}, thumb = 'x5t' }) {
  const der = certDer(certPem);
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT' };
  if (thumb === 'x5t') header.x5t = crypto.createHash('sha1').update(der).digest('base64url');
  if (thumb === 'x5t#S256') header['x5t#S256'] = crypto.createHash('sha256').update(der).digest('base64url');
  Object.assign(header, hdr);
  const claims = { aud, iss: clientId, sub: clientId, jti: crypto.randomUUID(), nbf: now, iat: now, exp: now + 600, ...over };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  return signJwt(header, claims, keyPem, alg);
}

/** POSTs a form to the Entra token endpoint of the emulator (https, CA trusted). */
function postToken(emu, form, { tenant = TENANT, scheme = 'https', query = '' } = {}) {
  const base = scheme === 'https' ? emu.info.https : emu.info.http;
  return request(`${base}/${tenant}/oauth2/v2.0/token${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    body: new URLSearchParams(form).toString(),
    ca: fs.readFileSync(emu.info.ca),
  });
}

const CHILD = path.join(__dirname, 'azure-identity-child.js');

/**
 * Runs testlib/azure-identity-child.js in a fresh node process with the given environment
 * (added to an isolated copy of ours) and scenario; resolves with its JSON result.
 */
function runIdentityChild(scenario, env = {}, { timeoutMs = 30000 } = {}) {
  const childEnv = { ...isolateAzureEnv({ ...process.env }), ...env };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CHILD, JSON.stringify(scenario)], { env: childEnv, timeout: timeoutMs }, (err, stdout, stderr) => {
      const last = stdout.trim().split('\n').at(-1);
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`child failed (${err ? err.message : 'no JSON'}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

function tmpDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

module.exports = {
  TENANT,
  CLIENT,
  SECRET,
  SCOPE,
  RESOURCE,
  BIN_DIR,
  isolateAzureEnv,
  makeCertificate,
  certDer,
  signJwt,
  unsignedJwt,
  certAssertion,
  postToken,
  runIdentityChild,
  tmpDir,
};
