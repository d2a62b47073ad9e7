'use strict';
// Client assertions (grant_type=client_credentials with client_assertion_type=jwt-bearer):
//
// * certificate credentials: a JWT that the app signed with the private key of a certificate
//   registered for it. Verified with node's crypto.verify against that certificate's public key
//   (RS256/384/512, PS256/384/512 with salt length = hash length, as RFC 7518 says), plus
//   header x5t / x5t#S256 / x5c, and claims aud, iss, sub, exp, nbf, jti.
// * federated credentials (workload identity): a token from another issuer, accepted when it is
//   in the accepted-token list, or when it is a JWT whose iss/sub/aud match one of the app's
//   federated credentials (decoded only: the emulator has no key of that issuer).

const crypto = require('node:crypto');
const { decodeJwt } = require('./common');

const NBF_SKEW_SECONDS = 300; // Entra tolerates a few minutes of client clock skew

const ALGS = {
  RS256: { hash: 'sha256', pss: false },
  RS384: { hash: 'sha384', pss: false },
  RS512: { hash: 'sha512', pss: false },
  PS256: { hash: 'sha256', pss: true },
  PS384: { hash: 'sha384', pss: true },
  PS512: { hash: 'sha512', pss: true },
};

const fail = (status, error, code, text) => ({ ok: false, status, error, code, text });

/** The header and claims of an assertion, for the request log (signature left out). */
function describeAssertion(assertion) {
  const d = decodeJwt(assertion);
  if (!d) return { jwt: false, length: typeof assertion === 'string' ? assertion.length : 0 };
  return { jwt: true, header: d.header, claims: d.claims };
}

/** True when the assertion should be checked as a certificate credential of this client. */
function isCertificateAssertion(decoded, clientId) {
  if (!decoded) return false;
  const h = decoded.header;
  if (h.x5t !== undefined || h['x5t#S256'] !== undefined || h.x5c !== undefined) return true;
  return typeof decoded.claims.iss === 'string' && decoded.claims.iss.toLowerCase() === clientId.toLowerCase();
}

function checkTimes(claims, nowS, { requireExp }) {
  if (claims.exp === undefined) {
    if (requireExp) return fail(400, 'invalid_request', 50027, "JWT token is invalid or malformed: the 'exp' claim is missing.");
  } else if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
    return fail(400, 'invalid_request', 50027, "JWT token is invalid or malformed: the 'exp' claim is not a number.");
  } else if (claims.exp <= nowS) {
    return fail(401, 'invalid_client', 700024, `Client assertion is not within its valid time range. Current time: ${new Date(nowS * 1000).toISOString()}, assertion valid from ${claims.nbf !== undefined ? new Date(claims.nbf * 1000).toISOString() : '(no nbf)'}, expiry time of assertion ${new Date(claims.exp * 1000).toISOString()}.`);
  }
  if (claims.nbf !== undefined) {
    if (typeof claims.nbf !== 'number' || !Number.isFinite(claims.nbf)) {
      return fail(400, 'invalid_request', 50027, "JWT token is invalid or malformed: the 'nbf' claim is not a number.");
    }
    if (claims.nbf > nowS + NBF_SKEW_SECONDS) {
      return fail(401, 'invalid_client', 700024, `Client assertion is not within its valid time range. Current time: ${new Date(nowS * 1000).toISOString()}, assertion valid from ${new Date(claims.nbf * 1000).toISOString()}.`);
    }
  }
  return null;
}

function stripQuery(u) {
  const i = u.indexOf('?');
  return i < 0 ? u : u.slice(0, i);
}

/**
 * Verifies a certificate client assertion.
 * @param {object} p assertion (string), decoded, app, audiences (accepted token URLs, no query), nowS
 */
function verifyCertificateAssertion({ decoded, app, audiences, nowS }) {
  const { header, claims } = decoded;
  const spec = ALGS[header.alg];
  if (!spec) {
    return fail(401, 'invalid_client', 700027, `Client assertion failed signature validation. [Reason - The JWT algorithm '${header.alg}' is not supported; use RS256 or PS256.]`);
  }
  if (app.certificates.length === 0) {
    return fail(401, 'invalid_client', 700027, `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - No certificate is registered for application '${app.client_id}'.]`);
  }
  let cert = null;
  let thumb;
  if (typeof header['x5t#S256'] === 'string') {
    thumb = `x5t#S256 '${header['x5t#S256']}'`;
    cert = app.certificates.find((c) => c.x5tS256 === header['x5t#S256'].replace(/=+$/, ''));
  } else if (typeof header.x5t === 'string') {
    thumb = `x5t '${header.x5t}'`;
    cert = app.certificates.find((c) => c.x5t === header.x5t.replace(/=+$/, ''));
  } else {
    return fail(401, 'invalid_client', 700027, "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The client assertion has no 'x5t' or 'x5t#S256' header.]");
  }
  if (!cert) {
    return fail(401, 'invalid_client', 700027, `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: ${thumb}, Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.client_id}'.]`);
  }
  if (header.x5c !== undefined) {
    const chain = Array.isArray(header.x5c) ? header.x5c : null;
    const contains = chain && chain.some((c) => typeof c === 'string' && Buffer.from(c, 'base64').equals(cert.der));
    if (!contains) {
      return fail(401, 'invalid_client', 700027, "Client assertion failed signature validation. [Reason - The 'x5c' header does not contain the certificate named by the thumbprint.]");
    }
  }
  const key = spec.pss
    ? { key: cert.publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST }
    : { key: cert.publicKey, padding: crypto.constants.RSA_PKCS1_PADDING };
  let good = false;
  try {
    good = crypto.verify(spec.hash, Buffer.from(decoded.signingInput, 'ascii'), key, decoded.signature);
  } catch {
    good = false;
  }
  if (!good) {
    return fail(401, 'invalid_client', 7000274, `Key was found, but use of the key to verify the signature failed. [Thumbprint of key used by client: ${thumb}, algorithm ${header.alg}.]`);
  }
  // claims
  const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!auds.some((a) => typeof a === 'string' && audiences.includes(stripQuery(a).toLowerCase()))) {
    return fail(401, 'invalid_client', 50012, `Client assertion audience claim does not match Realm issuer. Audience in the assertion: '${JSON.stringify(claims.aud)}', expected the token endpoint '${audiences[0]}'.`);
  }
  const cid = app.client_id.toLowerCase();
  if (typeof claims.iss !== 'string' || claims.iss.toLowerCase() !== cid || typeof claims.sub !== 'string' || claims.sub.toLowerCase() !== cid) {
    return fail(401, 'invalid_client', 700021, `Client assertion application identifier doesn't match 'client_id' parameter: 'iss' and 'sub' must both be '${app.client_id}'.`);
  }
  const t = checkTimes(claims, nowS, { requireExp: true });
  if (t) return t;
  if (typeof claims.jti !== 'string' || claims.jti.length === 0) {
    return fail(400, 'invalid_request', 50027, "JWT token is invalid or malformed: the 'jti' claim is missing.");
  }
  return { ok: true, kind: 'certificate', thumbprint: cert.thumbprint, alg: header.alg };
}

/** Verifies a federated assertion (workload identity) for app. */
function verifyFederatedAssertion({ assertion, decoded, app, directory, nowS }) {
  const listed = directory.federatedTokenAccepted(assertion, app);
  if (decoded) {
    const t = checkTimes(decoded.claims, nowS, { requireExp: !listed });
    if (t) return t;
  }
  if (listed) return { ok: true, kind: 'federated', matched: 'accepted-token' };
  if (!decoded) {
    return fail(400, 'invalid_request', 50027, 'JWT token is invalid or malformed: the federated assertion is neither an accepted token nor a JWT.');
  }
  const { iss, sub, aud } = decoded.claims;
  const byIssuer = app.federated_credentials.filter((f) => f.issuer === iss);
  if (byIssuer.length === 0) {
    return fail(400, 'invalid_request', 700211, `No matching federated identity record found for presented assertion issuer '${iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`);
  }
  const bySubject = byIssuer.filter((f) => f.subject === sub);
  if (bySubject.length === 0) {
    return fail(400, 'invalid_request', 700213, `No matching federated identity record found for presented assertion subject '${sub}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`);
  }
  const auds = Array.isArray(aud) ? aud : [aud];
  const match = bySubject.find((f) => auds.includes(f.audience));
  if (!match) {
    return fail(400, 'invalid_request', 700212, `No matching federated identity record found for presented assertion audience '${JSON.stringify(aud)}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`);
  }
  return { ok: true, kind: 'federated', matched: 'federated-credential', issuer: iss, subject: sub };
}

/**
 * Verifies a client assertion for app.
 * @returns {{ok:true, kind:'certificate'|'federated', …} | {ok:false, status, error, code, text}}
 */
function verifyClientAssertion({ assertion, app, directory, audiences, nowS }) {
  const decoded = decodeJwt(assertion);
  if (isCertificateAssertion(decoded, app.client_id)) return verifyCertificateAssertion({ decoded, app, audiences, nowS });
  return verifyFederatedAssertion({ assertion, decoded, app, directory, nowS });
}

module.exports = { verifyClientAssertion, describeAssertion, ALGS, NBF_SKEW_SECONDS };
