'use strict';
// Throwaway TLS material for the HTTPS port, made with the openssl command-line tool:
// a test CA (ca.pem) and a server certificate for 127.0.0.1, ::1 and localhost signed by it.
// Clients trust ca.pem explicitly (a CA-bundle option); nobody turns verification off.

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');

const CA_CONF = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = llmauth emulator test CA (throwaway)
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`;

const SERVER_CONF = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
[v3_srv]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
`;

function openssl(args, cwd) {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = e.stderr ? e.stderr.toString() : '';
    throw new Error(`openssl ${args[0]} failed: ${e.message}\n${stderr}`);
  }
}

/**
 * Generates ca.pem/ca.key and server.pem/server.key in stateDir (overwriting old ones).
 * @returns {{caPath:string, certPath:string, keyPath:string, ca:Buffer, cert:Buffer, key:Buffer}}
 */
function generateTlsMaterial(stateDir) {
  const dir = path.resolve(stateDir);
  fs.mkdirSync(dir, { recursive: true });
  const f = (n) => path.join(dir, n);
  fs.writeFileSync(f('ca.cnf'), CA_CONF);
  fs.writeFileSync(f('server.cnf'), SERVER_CONF);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', '-config', 'ca.cnf', '-extensions', 'v3_ca', ...ec,
    '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '7', '-sha256'], dir);
  openssl(['req', '-new', '-config', 'server.cnf', ...ec,
    '-keyout', 'server.key', '-out', 'server.csr', '-sha256'], dir);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
    '-set_serial', '0x' + crypto.randomBytes(12).toString('hex'), '-days', '7', '-sha256',
    '-extfile', 'server.cnf', '-extensions', 'v3_srv', '-out', 'server.pem'], dir);
  for (const n of ['ca.key', 'server.key']) fs.chmodSync(f(n), 0o600);
  for (const n of ['ca.cnf', 'server.cnf', 'server.csr']) fs.rmSync(f(n), { force: true });
  return {
    caPath: f('ca.pem'),
    certPath: f('server.pem'),
    keyPath: f('server.key'),
    ca: fs.readFileSync(f('ca.pem')),
    cert: fs.readFileSync(f('server.pem')),
    key: fs.readFileSync(f('server.key')),
  };
}

module.exports = { generateTlsMaterial };
