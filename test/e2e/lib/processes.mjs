// Process bookkeeping for the end-to-end harness: start children in process groups of their
// own and make sure every one of them (and whatever they spawned) is gone at the end.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

/** Process-group leaders we started and have not reaped yet. */
const groups = new Set();

/** Asks the OS for a free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** Parent pid of every live process, from /proc (Linux). */
function processTable() {
  const table = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), { ppid: Number(fields[1]), pgid: Number(fields[2]), state: fields[0] });
    } catch {
      // The process ended while we were looking.
    }
  }
  return table;
}

/**
 * Every live process in the group `pgid` or descending from `pid` (a pty's shell runs in a
 * session of its own, so the group alone is not enough). Zombies are skipped.
 */
function membersOf(pid) {
  const table = processTable();
  const found = new Set();
  for (const [p, info] of table) if (info.pgid === pid && info.state !== 'Z') found.add(p);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [p, info] of table) {
      if (!found.has(p) && info.state !== 'Z' && (p === pid || found.has(info.ppid))) {
        found.add(p);
        grew = true;
      }
    }
  }
  return found;
}

function signal(pids, sig) {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Spawns `command` as the leader of a new process group (detached). The returned child has
 * `exited` (a promise of { code, signal }) and is registered for `killAll`.
 */
export function spawnGroup(command, args, options = {}) {
  const child = spawn(command, args, { ...options, detached: true });
  groups.add(child.pid);
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, sig) => resolve({ code, signal: sig }));
    child.once('error', (err) => resolve({ code: null, signal: null, error: err }));
  });
  return child;
}

/**
 * Ends the group led by `pid` and all descendants: SIGTERM, then SIGKILL for whatever is still
 * there after `graceMs` (a VS Code file watcher lingers ~3 s after the server dies).
 */
export async function killGroup(pid, { graceMs = 4000 } = {}) {
  if (!pid) return;
  const seen = membersOf(pid);
  seen.add(pid);
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    // No such group any more.
  }
  signal(seen, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  for (;;) {
    // Re-scan: orphans re-parented to init still carry the group id.
    for (const p of membersOf(pid)) seen.add(p);
    const alive = [...seen].filter((p) => {
      try {
        process.kill(p, 0);
        return !isZombie(p);
      } catch {
        return false;
      }
    });
    if (alive.length === 0) break;
    if (Date.now() > deadline) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Gone.
      }
      signal(alive, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  groups.delete(pid);
}

function isZombie(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Ends every group started with `spawnGroup` that is still registered. */
export async function killAll() {
  await Promise.all([...groups].map((pid) => killGroup(pid)));
}

/** Synchronous last resort for process exit: SIGKILL every registered group and its tree. */
export function killAllNow() {
  for (const pid of groups) {
    const members = membersOf(pid);
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Gone.
    }
    signal(members, 'SIGKILL');
  }
  groups.clear();
}

/** Runs a command to completion (in its own group, killed on timeout); resolves with its output. */
export function runToCompletion(command, args, { timeoutMs = 120_000, ...options } = {}) {
  return new Promise((resolve) => {
    const child = spawnGroup(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void killGroup(child.pid, { graceMs: 1000 });
    }, timeoutMs);
    child.exited.then(async ({ code, signal: sig, error }) => {
      clearTimeout(timer);
      await killGroup(child.pid, { graceMs: 1000 });
      resolve({ code, signal: sig, error, output, timedOut });
    });
  });
}
