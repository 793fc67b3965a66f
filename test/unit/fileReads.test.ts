/**
 * The checked program flows downstream: one `pvlab run`, `pvlab compare` or
 * debug session reads each kernel file once, through the file host, and
 * every later stage (boot, lowering, profile hashes, diagnostics output,
 * the debugger's re-boots and constants) takes the analysis' snapshot.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../sandbox/cli/io.js';
import { runCompare } from '../../sandbox/cli/compare.js';
import { runRun } from '../../sandbox/cli/run.js';
import { DebugMachine } from '../../sandbox/debug/machine.js';
import { analyze } from '../../sandbox/lang/analysis.js';
import { diskHost } from '../../sandbox/lang/fileHost.js';
import { Workspace, type FileHost } from '../../sandbox/lang/program.js';
import type { RunReport } from '../../sandbox/run/report.js';

const ROOT = path.resolve(__dirname, '..', '..');
const TOUR = path.join(ROOT, 'examples/tour');
const TOUR_FILES = ['dom0.pvk', 'ping.pvk', 'pong.pvk', 'ring.pvk', 'tour.pvk'];
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pvlab-reads-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

/** The disk, counting how often each file is read. */
function countingHost(): { host: FileHost; reads: () => Record<string, number> } {
  const counts = new Map<string, number>();
  return {
    host: {
      readFile(file) {
        counts.set(file, (counts.get(file) ?? 0) + 1);
        return diskHost.readFile(file);
      },
    },
    reads: () => Object.fromEntries([...counts].map(([f, n]) => [path.relative(TOUR, f), n]).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}

/** The command line's io over a counting host, collecting stdout and stderr. */
function cli(): { io: CliIo; stdout: string[]; stderr: string[]; reads: () => Record<string, number> } {
  const { host, reads } = countingHost();
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = {
    cwd: ROOT,
    files: host,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    usage: (message) => {
      stderr.push(message);
      return 2;
    },
  };
  return { io, stdout, stderr, reads };
}

const ONCE_EACH = Object.fromEntries(TOUR_FILES.map((f) => [f, 1]));

describe('each file is read once per piece of work', () => {
  it('pvlab run examples/tour/tour.pvk --json', () => {
    const c = cli();
    expect(runRun(['examples/tour/tour.pvk', '--json'], c.io)).toBe(0);
    expect(c.stderr).toEqual([]);
    const report = JSON.parse(c.stdout.join('\n')) as RunReport;
    expect(report.end).toBe('exited');
    expect(report.domains.map((d) => d.name)).toEqual(['dom0', 'ping', 'pong']);
    expect(c.reads()).toEqual(ONCE_EACH);
  });

  it('pvlab run with a profile: the profile hashes the texts the run analysed', () => {
    const c = cli();
    const json = path.join(out, 'tour.profile.json');
    expect(runRun(['examples/tour/tour.pvk', '--summary', '--profile-json', json], c.io)).toBe(0);
    const profile = JSON.parse(fs.readFileSync(json, 'utf8')) as { files: string[]; fileHashes: string[] };
    expect(profile.files.map((f) => path.basename(f)).sort()).toEqual(['dom0.pvk', 'ping.pvk', 'pong.pvk', 'ring.pvk']);
    expect(new Set(profile.fileHashes).size).toBe(4);
    expect(c.reads()).toEqual(ONCE_EACH);
  });

  it('pvlab compare runs four variants from one reading', () => {
    const c = cli();
    expect(runCompare(['examples/tour/tour.pvk', '--json'], c.io)).toBe(0);
    expect(JSON.parse(c.stdout.join('\n')).domains).toHaveLength(3);
    expect(c.reads()).toEqual(ONCE_EACH);
  });

  it('a system that does not compile reports its errors from the same reading', () => {
    const dir = fs.mkdtempSync(path.join(out, 'bad-'));
    fs.writeFileSync(path.join(dir, 'sys.pvk'), 'system s { hypervisor 4.2; domain dom0 { kernel "k.pvk"; privileged; } }\n');
    fs.writeFileSync(path.join(dir, 'k.pvk'), 'fn main() -> u32 {\n    return nope;\n}\n');
    const c = cli();
    expect(runRun([path.join(dir, 'sys.pvk')], c.io)).toBe(2);
    expect(c.stderr.join('\n')).toContain("k.pvk:2:12: error PVK002 unknown name 'nope'");
    expect(Object.values(c.reads())).toEqual([1, 1]);
  });

  it('the debugger re-boots for step back without reading again', () => {
    const { host, reads } = countingHost();
    const file = path.join(TOUR, 'tour.pvk');
    const machine = new DebugMachine(analyze(new Workspace(host), [file]), { file, options: { maxCycles: 1_000_000_000 } });
    expect(machine.boot().ok).toBe(true);
    const [bp] = machine.setLineBreakpoints(path.join(TOUR, 'ping.pvk'), [{ line: 10 }]);
    expect(bp.verified).toBe(true);
    expect(machine.run(Number.MAX_SAFE_INTEGER)).toBe('stopped');
    machine.continue();
    expect(machine.run(Number.MAX_SAFE_INTEGER)).toBe('stopped');
    const stopped = machine.stopped;
    if (!stopped) throw new Error('not stopped');
    const hops = machine.evaluate(stopped.vcpu, 0, 'hops');
    machine.reverseContinue();
    expect(machine.stopped?.kind).toBe('breakpoint');
    expect(machine.evaluate(machine.stopped?.vcpu ?? stopped.vcpu, 0, 'hops')).not.toBe(hops);
    // Constants come from the analysed files too.
    expect(machine.evaluate(stopped.vcpu, 0, 'ROUNDS')).toMatch(/^\d+$/);
    expect(reads()).toEqual(ONCE_EACH);
  });
});
