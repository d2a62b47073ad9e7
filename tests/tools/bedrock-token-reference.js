#!/usr/bin/env node
'use strict';
// Prints the Bedrock API key that AWS's own @aws/bedrock-token-generator mints for the given
// credentials, region and lifetime at a fixed time, so that our C++ mint_bedrock_token can be
// compared with it byte for byte (tests/integration/aws/bedrock_token_reference_test.cpp).
//
// Input: one JSON object on stdin (secrets stay out of the process list):
//   {"access_key_id": "...", "secret_access_key": "...", "session_token": "..." (optional),
//    "region": "us-east-1", "expires_in": 43200, "time": "2025-01-02T03:04:05Z"}
// Output: the token on stdout, nothing else. Exit 3 when the package is not installed.
//
// The package takes no signing date: @smithy/signature-v4 presigns at `new Date()`. So the
// global Date is replaced by one frozen at `time` before the package is loaded and called.

const path = require('node:path');
const { createRequire } = require('node:module');

function loadGenerator() {
  const emulatorDir = path.resolve(__dirname, '..', 'emulator');
  const fromEmulator = createRequire(path.join(emulatorDir, 'package.json'));
  try {
    return fromEmulator('@aws/bedrock-token-generator');
  } catch (e) {
    process.stderr.write(
      `@aws/bedrock-token-generator is not installed in ${emulatorDir}/node_modules ` +
        `(it is a devDependency of tests/emulator: run \`npm ci\` there): ${e.message}\n`,
    );
    process.exit(3);
  }
}

function freezeClock(ms) {
  const RealDate = Date;
  class FrozenDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(ms);
      else super(...args);
    }
    static now() {
      return ms;
    }
  }
  globalThis.Date = FrozenDate;
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const ms = Date.parse(input.time);
  if (Number.isNaN(ms)) throw new Error(`bad "time": ${input.time}`);

  const { getToken } = loadGenerator();
  freezeClock(ms);
  const credentials = {
    accessKeyId: input.access_key_id,
    secretAccessKey: input.secret_access_key,
  };
  if (input.session_token) credentials.sessionToken = input.session_token;
  const token = await getToken({
    credentials,
    region: input.region,
    expiresInSeconds: input.expires_in,
  });
  process.stdout.write(token);
}

main().catch((e) => {
  process.stderr.write(`bedrock-token-reference: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});
