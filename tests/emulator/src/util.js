'use strict';
// Small helpers shared by every emulator module (AWS now, Azure later).

const crypto = require('node:crypto');

const ALNUM_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random string of `len` characters drawn uniformly from `alphabet`. */
function randomString(len, alphabet = ALNUM) {
  let out = '';
  while (out.length < len) {
    const bytes = crypto.randomBytes(len * 2);
    for (const b of bytes) {
      // rejection sampling keeps the distribution uniform
      if (b < 256 - (256 % alphabet.length)) out += alphabet[b % alphabet.length];
      if (out.length === len) break;
    }
  }
  return out;
}

function requestId() {
  return crypto.randomUUID();
}

/** ISO-8601 UTC without milliseconds, like AWS prints it: 2026-01-02T03:04:05Z */
function isoSeconds(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function sha256Hex(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

/** Constant-time comparison of two strings (false when lengths differ). */
function safeEqual(a, b) {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ba.length !== bb.length) return false;
  return crypto.timingSafeEqual(ba, bb);
}

function xmlEscape(s) {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Parses a raw query string ("a=1&b=%2F&c") into {key: value | [values]} with
 * percent-decoding only ("+" is kept literally, as SigV4 canonicalization expects).
 * A key without "=" gets the empty string.
 */
function parseRawQuery(raw) {
  const out = Object.create(null);
  if (!raw) return out;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    if (k in out) {
      out[k] = Array.isArray(out[k]) ? [...out[k], v] : [out[k], v];
    } else {
      out[k] = v;
    }
  }
  return out;
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** application/x-www-form-urlencoded body → plain object (last value wins). */
function parseForm(buf) {
  const out = {};
  for (const [k, v] of new URLSearchParams(buf.toString('utf8'))) out[k] = v;
  return out;
}

function sendJson(res, status, obj, headers = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function sendText(res, status, text, headers = {}) {
  const body = String(text);
  res.writeHead(status, {
    'content-type': 'text/plain',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function sendRaw(res, status, body, headers = {}) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(String(body ?? ''), 'utf8');
  const h = { 'content-length': buf.length, ...headers };
  res.writeHead(status, h);
  res.end(buf);
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function deepClone(v) {
  return JSON.parse(JSON.stringify(v));
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

module.exports = {
  ALNUM,
  ALNUM_UPPER,
  randomString,
  requestId,
  isoSeconds,
  sha256Hex,
  safeEqual,
  xmlEscape,
  parseRawQuery,
  parseForm,
  sendJson,
  sendText,
  sendRaw,
  isPlainObject,
  deepClone,
  HttpError,
};
