'use strict';
// Runs one @azure/identity credential in a fresh process and prints one JSON line.
// Used by the Azure tests for credentials whose MSAL state is per process (the managed
// identity source and its token cache are static in @azure/msal-node), and to show that the
// plain environment variables (+ NODE_EXTRA_CA_CERTS) are enough.
//
//   node azure-identity-child.js '{"credential":"ManagedIdentityCredential","options":{…},
//                                  "calls":[{"scopes":"https://x/.default"}, …]}'
// Output: {"results":[{"ok":true,"token":…,"expiresOnTimestamp":…,"refreshAfterTimestamp":…}
//                     | {"ok":false,"name":…,"message":…}, …]}

const identity = require('@azure/identity');

async function main() {
  const scenario = JSON.parse(process.argv[2]);
  const Cred = identity[scenario.credential];
  if (typeof Cred !== 'function') throw new Error(`no credential ${scenario.credential}`);
  const cred = scenario.args ? new Cred(...scenario.args) : new Cred(scenario.options ?? {});
  const results = [];
  for (const call of scenario.calls ?? [{}]) {
    try {
      const t = await cred.getToken(call.scopes, call.options ?? {});
      results.push({ ok: true, token: t.token, expiresOnTimestamp: t.expiresOnTimestamp, refreshAfterTimestamp: t.refreshAfterTimestamp ?? null, now: Date.now() });
    } catch (e) {
      results.push({ ok: false, name: e.name, message: String(e.message) });
    }
  }
  process.stdout.write(JSON.stringify({ results }) + '\n');
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ fatal: String(e && e.stack ? e.stack : e) }) + '\n');
  process.exitCode = 1;
});
