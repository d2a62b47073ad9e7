// The sealed-value format of include/llmauth/store/sealing.hpp, written independently with
// node's crypto (OpenSSL under node, but not our code): the store's tests check that what
// llmauth seals opens here and that what this seals opens in llmauth.
//
//   node sealing.js '{"op":"open","key":"<base64>","sealed":"v1.…","place":{…}}' → {"value": …}
//   node sealing.js '{"op":"seal","key":"<base64>","kid":"k1","value":"…","place":{…}}' → {"sealed": …}
'use strict';
const crypto = require('node:crypto');

function aad(parts) {
  return Buffer.concat(
    parts.map((p) => {
      const b = Buffer.from(p, 'utf8');
      const n = Buffer.alloc(4);
      n.writeUInt32BE(b.length);
      return Buffer.concat([n, b]);
    }),
  );
}
const valueAad = (kid, place) =>
  aad(['llmauth sealed value', 'v1', kid, place.table, place.row_id, place.field]);
const keyAad = (kid) => aad(['llmauth data key', 'v1', kid]);

function gcmSeal(key, nonce, plaintext, additional) {
  const c = crypto.createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(additional);
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}

function gcmOpen(key, nonce, sealed, additional) {
  const d = crypto.createDecipheriv('aes-256-gcm', key, nonce);
  d.setAAD(additional);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
}

const req = JSON.parse(process.argv[2]);
const master = Buffer.from(req.key, 'base64');
try {
  if (req.op === 'open') {
    const [version, kid, wrapped, nonce, ciphertext] = req.sealed.split('.');
    if (version !== 'v1') throw new Error('not v1');
    const w = Buffer.from(wrapped, 'base64');
    const dataKey = gcmOpen(master, w.subarray(0, 12), w.subarray(12), keyAad(kid));
    const value = gcmOpen(
      dataKey,
      Buffer.from(nonce, 'base64'),
      Buffer.from(ciphertext, 'base64'),
      valueAad(kid, req.place),
    );
    console.log(JSON.stringify({ value: value.toString('utf8') }));
  } else {
    const dataKey = crypto.randomBytes(32);
    const keyNonce = crypto.randomBytes(12);
    const valueNonce = crypto.randomBytes(12);
    const wrapped = Buffer.concat([keyNonce, gcmSeal(master, keyNonce, dataKey, keyAad(req.kid))]);
    const ciphertext = gcmSeal(dataKey, valueNonce, Buffer.from(req.value, 'utf8'), valueAad(req.kid, req.place));
    const sealed = ['v1', req.kid, wrapped.toString('base64'), valueNonce.toString('base64'), ciphertext.toString('base64')].join('.');
    console.log(JSON.stringify({ sealed }));
  }
} catch (e) {
  console.log(JSON.stringify({ error: 'does not open' }));
}
