'use strict';
/*
 * Keeps one local server (Kafka, PostgreSQL) from outliving the Node process that started it.
 *
 * Usage: node supervisor.cjs '<json spec>'
 *   spec = { ownerPid, command, args, cwd?, uid?, gid?, logFile?, stopSignal?, killAfterMs? }
 *
 * The owner spawns this script with stdin as a pipe it never writes to. The kernel closes that
 * pipe however the owner dies (even SIGKILL), so end-of-stdin is the reliable "owner is gone"
 * signal; polling the owner pid and our ppid is a backup. The server runs in its own process
 * group so a terminal's Ctrl-C does not hit it directly; the supervisor shuts it down in order:
 * stopSignal to the server, SIGKILL to the whole group after killAfterMs.
 *
 * This file is plain CommonJS on purpose: it is started by path from both the TypeScript
 * sources (jest) and the tsc output (npm start), and tsc does not copy non-TS files.
 *
 * Events are written to stdout as JSON lines: {"event":"started","pid":N},
 * {"event":"exited","code":C,"signal":S}, {"event":"error","message":M}.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');

const spec = JSON.parse(process.argv[2] || '{}');
const ownerPid = Number(spec.ownerPid);
const startPpid = process.ppid;
const stopSignal = spec.stopSignal || 'SIGTERM';
const killAfterMs = Number(spec.killAfterMs) > 0 ? Number(spec.killAfterMs) : 10000;
const OWNER_GRACE_MS = 5000;

// The owner may already be gone when we report; a broken pipe must not kill us before the server.
process.stdout.on('error', () => undefined);

function report(event) {
  try {
    process.stdout.write(JSON.stringify(event) + '\n');
  } catch {
    // owner gone; nothing to tell
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

let child;
let childExited = false;
let stopping = false;
let killTimer;

function killGroup(signal) {
  if (!child || child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // group already empty
  }
}

function shutdown() {
  if (stopping) return;
  stopping = true;
  if (!child || childExited || child.pid === undefined) {
    process.exit(0);
  }
  try {
    process.kill(child.pid, stopSignal);
  } catch {
    // already gone; the exit handler finishes up
  }
  killTimer = setTimeout(() => killGroup('SIGKILL'), killAfterMs);
}

let logFd = 'ignore';
if (spec.logFile) {
  logFd = fs.openSync(spec.logFile, 'a');
}

try {
  child = spawn(spec.command, spec.args || [], {
    cwd: spec.cwd,
    env: process.env,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    uid: spec.uid,
    gid: spec.gid,
  });
} catch (err) {
  report({ event: 'error', message: String(err && err.message ? err.message : err) });
  process.exit(1);
}

child.on('error', (err) => {
  report({ event: 'error', message: err.message });
  childExited = true;
  process.exit(1);
});

child.on('spawn', () => {
  report({ event: 'started', pid: child.pid });
});

child.on('exit', (code, signal) => {
  childExited = true;
  if (killTimer) clearTimeout(killTimer);
  // Helpers the server left behind in its group would otherwise become orphans.
  killGroup('SIGKILL');
  report({ event: 'exited', code, signal });
  process.exit(0);
});

process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();

process.on('SIGTERM', shutdown);
// Ctrl-C (or a closed terminal) reaches the owner too. Give it a moment to stop its servers in
// its own order (services before the broker they use); if it just dies, stdin ends and we stop
// at once; if it hangs, we stop anyway after the grace period.
for (const signal of ['SIGINT', 'SIGHUP']) {
  process.on(signal, () => setTimeout(shutdown, OWNER_GRACE_MS));
}

setInterval(() => {
  if (process.ppid !== startPpid || (ownerPid > 0 && !isAlive(ownerPid))) shutdown();
}, 1000);
