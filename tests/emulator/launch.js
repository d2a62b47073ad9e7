#!/usr/bin/env node
'use strict';
// Starts and stops the emulator as a background process for test harnesses.
//
//   node launch.js start --state-dir DIR [--max-lifetime-seconds N] [--quiet]
//       stops an emulator still running from DIR, removes a stale DIR/emulator.json, spawns
//       src/server.js detached (stdout+stderr → DIR/emulator.log), waits up to 20 s for
//       DIR/emulator.json, prints it and exits 0; on failure exits 1 with the log tail on stderr.
//   node launch.js stop --state-dir DIR
//       SIGTERM to the recorded pid, SIGKILL after 5 s, removes DIR/emulator.json; exits 0 even
//       when the emulator is already gone.

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const SERVER = path.join(__dirname, 'src', 'server.js');
const START_TIMEOUT_MS = 20000;
const STOP_TIMEOUT_MS = 5000;

function usage(msg) {
  process.stderr.write(`${msg ? `${msg}\n` : ''}usage: node launch.js start|stop --state-dir DIR [--max-lifetime-seconds N] [--quiet]\n`);
  process.exit(2);
}

function parse(argv) {
  const cmd = argv[0];
  if (cmd !== 'start' && cmd !== 'stop') usage(cmd ? `unknown command ${cmd}` : 'missing command');
  let stateDir;
  const passthrough = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--state-dir') stateDir = argv[++i];
    else if (a === '--max-lifetime-seconds' || a === '--http-port' || a === '--https-port') {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      passthrough.push(a, argv[++i]);
    } else if (a === '--quiet') passthrough.push(a);
    else usage(`unknown argument ${a}`);
  }
  if (!stateDir) usage('--state-dir DIR is required');
  return { cmd, stateDir: path.resolve(stateDir), passthrough };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return e.code === 'EPERM';
  }
  // A detached server is reparented to init; once it exits it may stay a zombie until init
  // reaps it, and kill(pid, 0) still succeeds on a zombie.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return !fs.existsSync('/proc/self'); // no /proc at all: trust kill(pid, 0)
  }
}

/** Guards against a recycled pid: on Linux, check that the process is our server. */
function isOurServer(pid) {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('server.js');
  } catch {
    return alive(pid); // no /proc: trust the recorded pid
  }
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function readPid(stateDir) {
  for (const [file, get] of [
    ['emulator.json', (t) => JSON.parse(t).pid],
    ['emulator.pid', (t) => Number(t.trim())],
  ]) {
    try {
      const pid = get(fs.readFileSync(path.join(stateDir, file), 'utf8'));
      if (Number.isInteger(pid) && pid > 0) return pid;
    } catch {
      // try the next one
    }
  }
  return null;
}

async function start({ stateDir, passthrough }) {
  fs.mkdirSync(stateDir, { recursive: true });
  const infoPath = path.join(stateDir, 'emulator.json');
  const logPath = path.join(stateDir, 'emulator.log');
  const pidPath = path.join(stateDir, 'emulator.pid');
  // A previous emulator of this state dir that is still running would have its TLS files
  // replaced under it: stop it. Then no stale emulator.json can be mistaken for ours.
  await stopRecorded(stateDir);
  fs.rmSync(infoPath, { force: true });
  const log = fs.openSync(logPath, 'a');
  const child = spawn(process.execPath, [SERVER, '--state-dir', stateDir, ...passthrough], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  child.unref();
  fs.writeFileSync(pidPath, `${child.pid}\n`);

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (fs.existsSync(infoPath)) {
      try {
        const info = JSON.parse(fs.readFileSync(infoPath, 'utf8'));
        if (info.pid === child.pid) {
          process.stdout.write(JSON.stringify(info) + '\n');
          process.exit(0);
        }
      } catch {
        // rename is atomic, so this is unexpected; keep waiting
      }
    }
    if (exited) break;
    await sleep(50);
  }
  if (!exited) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  fs.rmSync(pidPath, { force: true });
  process.stderr.write(`emulator did not start (${exited ?? `no ${infoPath} after ${START_TIMEOUT_MS / 1000} s`}); last lines of ${logPath}:\n${tail(logPath)}\n`);
  process.exit(1);
}

/** Stops the server recorded in stateDir, if it is still running. */
async function stopRecorded(stateDir) {
  const pid = readPid(stateDir);
  if (pid && alive(pid) && isOurServer(pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (alive(pid) && Date.now() < deadline) await sleep(50);
    if (alive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      process.stderr.write(`emulator pid ${pid} did not stop after SIGTERM; sent SIGKILL\n`);
    }
  }
  fs.rmSync(path.join(stateDir, 'emulator.json'), { force: true });
  fs.rmSync(path.join(stateDir, 'emulator.pid'), { force: true });
}

async function stop({ stateDir }) {
  await stopRecorded(stateDir);
  process.exit(0);
}

const args = parse(process.argv.slice(2));
(args.cmd === 'start' ? start(args) : stop(args)).catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(args.cmd === 'stop' ? 0 : 1);
});
