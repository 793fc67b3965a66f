import type { Hypervisor } from '../hv/hypervisor.js';
import type { Program } from '../machine/ir.js';
import type { Vcpu } from '../machine/state.js';
import { evaluate, EvalError, formatValue, type EvalScope } from './evaluate.js';
import { boundariesByLine, entryBoundaries } from './positions.js';

export interface LineBreakpointRequest {
  line: number;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

export interface LineBreakpoint extends LineBreakpointRequest {
  id: number;
  file: string;
  verified: boolean;
  /** The line of the statement it binds to (moved down to the next statement when needed). */
  actualLine: number;
  hits: number;
  message?: string;
}

export interface FunctionBreakpoint {
  id: number;
  name: string;
  verified: boolean;
}

interface DataWatch {
  id: number;
  domain: number;
  kind: 'global' | 'mem';
  /** Global index, or memory address. */
  index: number;
  last: number;
  label: string;
}

const NO_LOC = { file: 0, line: 0, column: 0 };

/**
 * The debugger's breakpoints, independent of how the machine runs: line
 * breakpoints (with conditions, hit counts and logpoints), function
 * breakpoints and data breakpoints (writes to a global or a memory word),
 * bound to the statement boundaries of the booted programs.
 */
export class Breakpoints {
  private nextId = 1;
  private readonly lines = new Map<string, LineBreakpoint[]>();
  private functions: FunctionBreakpoint[] = [];
  private watches: DataWatch[] = [];

  /**
   * Binds each requested line of `file` to the first line at or after it
   * where some program (or hypervisor code: `hypervisorLines`) has a statement.
   */
  setLines(file: string, requests: readonly LineBreakpointRequest[], programs: readonly Program[], hypervisorLines: ReadonlySet<number> = new Set()): LineBreakpoint[] {
    const list: LineBreakpoint[] = requests.map((r) => {
      let actual = -1;
      const statementLines = [...programs.map((program) => [...(boundariesByLine(program).get(file)?.keys() ?? [])]), [...hypervisorLines]];
      for (const lines of statementLines) {
        const candidates = lines.filter((l) => l >= r.line).sort((a, b) => a - b);
        if (candidates.length > 0 && (actual < 0 || candidates[0] < actual)) actual = candidates[0];
      }
      const verified = actual > 0;
      return { ...r, id: this.nextId++, file, verified, actualLine: verified ? actual : r.line, hits: 0, ...(verified ? {} : { message: 'no statement at or after this line runs in the booted system' }) };
    });
    this.lines.set(file, list);
    return list;
  }

  /** Function breakpoints by name: a function of some program, or of hypervisor code (`hypervisorFns`). */
  setFunctions(names: readonly string[], programs: readonly Program[], hypervisorFns: ReadonlySet<string> = new Set()): FunctionBreakpoint[] {
    this.functions = names.map((name) => ({ id: this.nextId++, name, verified: hypervisorFns.has(name) || programs.some((p) => entryBoundaries(p).has(name)) }));
    return this.functions;
  }

  /** Data breakpoints: `global:<domid>:<name>` or `mem:<domid>:<address>` (32-bit word), break on write. */
  setData(ids: readonly string[], hv: Hypervisor): { id: number; verified: boolean; message?: string }[] {
    this.watches = [];
    return ids.map((dataId) => {
      const [kind, dom, what] = dataId.split(':');
      const d = hv.domains[Number(dom)];
      const id = this.nextId++;
      if (!d) return { id, verified: false, message: `no domain ${dom}` };
      if (kind === 'global') {
        const index = d.program.globals.findIndex((g) => g.name === what);
        if (index < 0) return { id, verified: false, message: `no global ${what}` };
        this.watches.push({ id, domain: d.id, kind: 'global', index, last: d.globals[index], label: `${d.name}.${what}` });
      } else {
        const addr = Number(what) >>> 0;
        let last = 0;
        try {
          last = d.memory.load(32, addr, NO_LOC);
        } catch {
          return { id, verified: false, message: `${d.name}: address 0x${addr.toString(16)} is not readable` };
        }
        this.watches.push({ id, domain: d.id, kind: 'mem', index: addr, last, label: `${d.name} mem32[0x${addr.toString(16)}]` });
      }
      return { id, verified: true };
    });
  }

  /** Data breakpoints need the machine to look at every boundary. */
  get watching(): boolean {
    return this.watches.length > 0;
  }

  /** Marks the boundaries of `program` that line and function breakpoints stop before. */
  arm(program: Program, armed: Uint8Array): void {
    const byLine = boundariesByLine(program);
    for (const [file, bps] of this.lines) for (const bp of bps) for (const id of byLine.get(file)?.get(bp.actualLine) ?? []) armed[id] = 1;
    const entries = entryBoundaries(program);
    for (const f of this.functions) {
      const id = entries.get(f.name);
      if (id !== undefined) armed[id] = 1;
    }
  }

  /** The first watched value that changed since it was last looked at (and is now remembered). */
  changedWatch(hv: Hypervisor): { id: number; description: string } | undefined {
    for (const w of this.watches) {
      const now = this.watchValue(w, hv);
      if (now !== w.last) {
        const before = w.last;
        w.last = now;
        return { id: w.id, description: `${w.label} changed from ${before >>> 0} to ${now >>> 0}` };
      }
    }
    return undefined;
  }

  private watchValue(w: DataWatch, hv: Hypervisor): number {
    const d = hv.domains[w.domain];
    if (w.kind === 'global') return d.globals[w.index];
    try {
      return d.memory.load(32, w.index, NO_LOC);
    } catch {
      return w.last;
    }
  }

  /** The line breakpoints at a boundary of `program`, else its function breakpoints, else undefined. */
  hitAt(program: Program, boundary: number): { kind: 'breakpoint' | 'function breakpoint'; ids: number[] } | undefined {
    const ids: number[] = [];
    for (const [file, bps] of this.lines) {
      const here = boundariesByLine(program).get(file);
      for (const bp of bps) if (here?.get(bp.actualLine)?.includes(boundary)) ids.push(bp.id);
    }
    if (ids.length > 0) return { kind: 'breakpoint', ids };
    const entries = entryBoundaries(program);
    const fnIds = this.functions.filter((f) => entries.get(f.name) === boundary).map((f) => f.id);
    if (fnIds.length > 0) return { kind: 'function breakpoint', ids: fnIds };
    return undefined;
  }

  /** Hypervisor code (no boundaries): the line breakpoints at a line, else the function breakpoints of a function entered. */
  hitAtLine(file: string, line: number, entered: string | undefined): { kind: 'breakpoint' | 'function breakpoint'; ids: number[] } | undefined {
    const ids = (this.lines.get(file) ?? []).filter((bp) => bp.verified && bp.actualLine === line).map((bp) => bp.id);
    if (ids.length > 0) return { kind: 'breakpoint', ids };
    const fnIds = entered === undefined ? [] : this.functions.filter((f) => f.name === entered).map((f) => f.id);
    return fnIds.length > 0 ? { kind: 'function breakpoint', ids: fnIds } : undefined;
  }

  /**
   * Hit counts, conditions and logpoints decide whether line breakpoints a
   * vCPU reached stop it (`scope`: its top frame); logpoints and condition
   * errors go to `logs`.
   */
  saysStop(v: Vcpu, ids: readonly number[], scope: () => EvalScope, logs: string[]): boolean {
    let stop = false;
    for (const bps of this.lines.values()) {
      for (const bp of bps) {
        if (!ids.includes(bp.id)) continue;
        const here = scope();
        if (bp.condition) {
          try {
            if (evaluate(bp.condition, here).v === 0) continue;
          } catch (e) {
            if (!(e instanceof EvalError)) throw e;
            logs.push(`breakpoint condition '${bp.condition}' at line ${bp.actualLine}: ${e.message}`);
          }
        }
        bp.hits++;
        if (bp.hitCondition && !hitMatches(bp.hitCondition, bp.hits)) continue;
        if (bp.logMessage) {
          logs.push(`[${v.domain.name}] ${interpolate(bp.logMessage, here)}`);
          continue;
        }
        stop = true;
      }
    }
    return stop;
  }

  /** The hit counts now, for going back: a replay must not count the hits it passes again. */
  saveHits(): Map<LineBreakpoint, number> {
    const out = new Map<LineBreakpoint, number>();
    for (const bps of this.lines.values()) for (const bp of bps) out.set(bp, bp.hits);
    return out;
  }

  restoreHits(hits: Map<LineBreakpoint, number>): void {
    for (const [bp, n] of hits) bp.hits = n;
  }
}

function hitMatches(condition: string, hits: number): boolean {
  const m = /^\s*(>=|<=|==|>|<|%)?\s*(\d+)\s*$/.exec(condition);
  if (!m) return true;
  const n = Number(m[2]);
  switch (m[1]) {
    case '>=': return hits >= n;
    case '<=': return hits <= n;
    case '>': return hits > n;
    case '<': return hits < n;
    case '%': return n > 0 && hits % n === 0;
    default: return hits === n;
  }
}

/** `{expr}` in a logpoint message, evaluated in the stopped frame. */
function interpolate(message: string, scope: EvalScope): string {
  return message.replace(/\{([^{}]+)\}/g, (_m, expr: string) => {
    try {
      return formatValue(evaluate(expr, scope));
    } catch (e) {
      return `<${e instanceof Error ? e.message : String(e)}>`;
    }
  });
}
