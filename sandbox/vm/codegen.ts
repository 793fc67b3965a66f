import { COSTS } from '../machine/costs.js';
import { MAX_CALL_DEPTH } from './engine.js';
import { boundaryTable, flatOf, type FlatOp } from './flat.js';
import type { IExpr, IrFunction, IStmt, Loc, Program } from '../machine/ir.js';
import { HOST_LITTLE_ENDIAN } from '../machine/memory.js';
import { BlockTable, ProfileAttribution } from './attribution.js';

/**
 * JavaScript source for a program's functions. Only mangled names appear in
 * it (`l3` locals, `G[2]` globals, `F[5]` functions); guest strings enter only
 * through JSON.stringify; the only free name is the parameter `rt`.
 *
 * Each function keeps its own cycle count `c`, flushed into `R.cyc` at calls,
 * returns, check points and host calls. A vCPU suspends by setting `R.sus`
 * in a host call; the generated code tests it after every call that can
 * suspend and leaves its body (`break U`), recording (function, resume pc,
 * locals) in the interpreter's frame format before it returns, and `rp`
 * routes a resumed call back to that pc. Guest faults are thrown, and the
 * frames record themselves on the way out the same way.
 */
export interface GeneratedProgram {
  source: string;
  /** Fault locations by site number. */
  locs: Loc[];
  /** The flattened code per function: resume pcs index into it. */
  flat: FlatOp[][];
}

/**
 * With `stepping`, every statement boundary is also a resume point and asks
 * the engine's hook (`hk`) whether to stop there; check points (limit,
 * event delivery) stay exactly where they are without it. With `profiling`,
 * every cost the frame takes is also attributed to its statement position in
 * the frame's call-tree node (vm/attribution.ts), and calls and returns move
 * the profile cursor (`pe`, `CU`; a resumed frame takes its node back from its
 * record, `rf.node`): see vm/profiling.ts (implemented by
 * sandbox/profile/recorder.ts).
 */
export function generate(program: Program, stepping = false, profiling = false): GeneratedProgram {
  const gen = new Generator(program, stepping, profiling);
  return { source: gen.source(), locs: gen.locs, flat: gen.flat };
}

/** Profiling: the current position is unknown at generation time (the runtime's `cu` knows), or nothing ran yet since a join. */
const DYNAMIC = -1;
const CLEAN = -2;
/**
 * Replaced by the write-back of a function's loop counters once its body is
 * generated. Markers hold a control character, which JSON.stringify always
 * escapes: they can never occur inside a guest string's literal.
 */
const WRITE_BACK = '\u0000write-back\u0000';
/**
 * A generated function keeps at most this many guest locals (or parameters,
 * or loop-position counters) in JavaScript locals; a function with more
 * keeps them in an array instead. Every guest call is a host stack frame,
 * and 256 of them must fit the host's stack however large the function is.
 */
export const REGISTER_LOCALS = 64;

/** A fresh-call version's statements: none holds a resume point. */
const NO_POINTS: readonly number[] = [];
/** Statements after which control goes on to the next one and only there (no join, no branch): see Generator.kHolds. */
const STRAIGHT = new Set<IStmt['k']>(['boundary', 'set-local', 'set-global', 'store', 'call', 'hypercall', 'hlt', 'print', 'eval']);

/** After a call that can suspend the vCPU: leave the body if it did (the frame then records itself). */
const SUSPENDED = 'if (R.sus !== 0) break U;';
/** Re-reads the cached budget after a call into the host or another function. */
const REFRESH_BUDGET = 'b = R.bud - R.cyc;';
/** Re-reads the memory's views and size when a balloon changed them (its epoch). */
const REFRESH_MEMORY = ' if (me !== M.epoch) { me = M.epoch; mb = M.bytes; mv = M.view; mw = M.words; ma = M.accessible; ml = M.limit | 0; }';

const COMPARE: Record<string, [string, boolean]> = {
  eq: ['===', false], ne: ['!==', false], lts: ['<', false], les: ['<=', false], gts: ['>', false], ges: ['>=', false],
  ltu: ['<', true], leu: ['<=', true], gtu: ['>', true], geu: ['>=', true],
};

class Generator {
  readonly locs: Loc[] = [];
  readonly flat: FlatOp[][];
  private pcOf = new Map<object, number>();
  private fn!: IrFunction;
  /** Whether the current function loads or stores guest memory (only then it caches the views). */
  private usesMemory = false;
  private temps = 0;
  /** The current function keeps its locals in the array `LV` (more than REGISTER_LOCALS of them). */
  private lv = false;
  private labels = 0;
  private loops: number[] = [];
  /**
   * Coalescing (the plain fast engine): statement and store costs not yet
   * added to `c`. They are added in one `c += K` where `c` is next looked at
   * or control flow joins or leaves (settle()); a helper that can fault gets
   * the amount so that a fault charges exactly what ran before it.
   */
  private pending = 0;
  /**
   * Whether a load's cost may join `pending` too: not where the load might not
   * run (the right operand of && and ||) or in an `if` condition (the two
   * branches would have to take it along).
   */
  private deferLoads = true;
  /**
   * Profiling: the statement position a cost taken at the code being
   * generated belongs to, when it is known there: a number; CLEAN after a
   * join, DYNAMIC where only the runtime knows (then `cu` says; both go to
   * `cu`).
   */
  private cur: number = DYNAMIC;
  /** Profiling: the current function's attribution of its costs to positions (beside `pending`). */
  private attribution = new ProfileAttribution();
  /** Profiling, a fresh-call version: the function whose node `K` holds here (-1: unknown), see enterNode(). */
  private kHolds = -1;
  /** Profiling: each function's blocks (shared by its two versions: a node's `BC` serves both). */
  private readonly blockTables: BlockTable[] = [];
  /** Resume points per statement (see points()). */
  private readonly pointsOf = new Map<IStmt, readonly number[]>();
  /** Profiling: boundary id → its position in the current function (see boundaryTable). */
  private positions = new Map<number, number>();
  /**
   * Generating a function's fresh-call version (the plain fast engine): it
   * holds no resume points, so no statement is guarded by the resume pc `rp`.
   */
  private fresh = false;
  /** The plain fast engine: the site number given to each fault location. */
  private readonly siteOf = new Map<Loc, number>();
  /**
   * Locations a resumable version gave more than one site (a compound
   * assignment's load, operation and store share their statement's
   * location): the fresh-call version gives them sites of its own, since a
   * site also names what is pending there when a helper faults (profiling:
   * the frame's catch attributes it by site, see ProfileAttribution.faultSite()).
   */
  private readonly locWithSites = new Set<Loc>();
  /**
   * Generating the unchecked copy of a counted loop (see countedLoop()): its
   * check boundaries only charge, the guard before it having shown that no
   * check there could find the budget spent.
   */
  private unchecked = false;
  /** Profiling: the function being generated makes hypercalls (its catch records one that throws). */
  private hypercalls = false;

  constructor(
    private readonly program: Program,
    private readonly stepping: boolean,
    private readonly profiling: boolean,
  ) {
    this.flat = flatOf(program);
  }

  source(): string {
    const parts = [
      '"use strict";',
      'const imul = rt.imul, R = rt.R, divu = rt.divu, divs = rt.divs, remu = rt.remu, rems = rt.rems;',
      `const ld = rt.ld, st = rt.st, intr = rt.intr, hcall = rt.hcall, hcallRecord = rt.hcallRecord, hcallThrew = rt.hcallThrew, halt = rt.halt, check = rt.check, overflow = rt.overflow;`,
      'const pe = rt.pe, pf = rt.pf;',
      'const rdepth = rt.rdepth, capture = rt.capture, hasChild = rt.hasChild, resumeChild = rt.resumeChild, upcallDone = rt.upcallDone, limitStop = rt.limitStop, route = rt.route, hk = rt.hk, isFault = rt.isFault;',
      // Profiling: `CU`, the profiler's cursor, comes with the context (see vm/profiling.ts).
      `let M = null, G = null, D = null, DISP = null, PVC = 0${this.profiling ? ', CU = null' : ''};`,
      'const F = [];',
    ];
    // The fast engine (plain or profiling): `F` holds each function's fresh-call version, `FR` the one a resumed frame enters.
    if (this.freshCalls) parts.push('const FR = [];');
    for (const fn of this.program.functions) {
      if (this.freshCalls) {
        parts.push(`FR[${fn.id}] = ${this.function(fn)};`);
        this.fresh = true;
        parts.push(`F[${fn.id}] = ${this.function(fn)};`);
        this.fresh = false;
      } else parts.push(`F[${fn.id}] = ${this.function(fn)};`);
    }
    // Profiling: each function's blocks, for the profiler (its nodes' counts `bc`).
    if (this.profiling) parts.push(`const BT = ${JSON.stringify(this.program.functions.map((fn) => this.blocksOf(fn.id).blocks))};`);
    parts.push(
      this.profiling
        ? 'return { F, BT, setContext(m, g, d, disp, pvc, cu) { M = m; G = g; D = d; DISP = disp; PVC = pvc; if (CU !== cu) CU = cu; } };'
        : 'return { F, setContext(m, g, d, disp, pvc) { M = m; G = g; D = d; DISP = disp; PVC = pvc; } };',
    );
    return parts.join('\n');
  }

  // ------------------------------------------------------------ functions

  private function(fn: IrFunction): string {
    const sites = this.locs.length;
    const code = this.functionCode(fn, false);
    if (!this.attribution.tooManyCounters(REGISTER_LOCALS)) return code;
    // Profiling, more loop counters than fit in locals: again with them in an array (the same sites again).
    this.locs.length = sites;
    return this.functionCode(fn, true);
  }

  /** A function's code; profiling, its loop counters in locals or (`countersInArray`) in an array. */
  private functionCode(fn: IrFunction, countersInArray: boolean): string {
    this.fn = fn;
    this.temps = 0;
    this.pcOf = new Map(this.flat[fn.id].map((op, pc) => [op as object, pc]));
    this.usesMemory = fn.body.some(stmtUsesMemory);
    if (this.profiling) this.positions = boundaryTable(this.flat[fn.id], fn.line).index;
    // Nothing is pending when a frame starts or resumes.
    this.cur = CLEAN;
    this.kHolds = -1;
    this.hypercalls = false;
    this.attribution = new ProfileAttribution(countersInArray, this.blocksOf(fn.id));
    this.lv = fn.slots > REGISTER_LOCALS;
    const body = this.list(fn.body);
    // Parameters arrive as JavaScript arguments, or as one array PA when there are many.
    const manyParams = fn.params > REGISTER_LOCALS;
    const params = manyParams ? ['PA'] : Array.from({ length: fn.params }, (_, i) => `p${i}`);
    const locals = this.lv ? [] : Array.from({ length: fn.slots }, (_, i) => `l${i} = ${i < fn.params ? `p${i} | 0` : '0'}`);
    const localArray = !this.lv
      ? ''
      : manyParams
        ? `let LV = new Array(${fn.slots}).fill(0); for (let i = 0; i < ${fn.params}; i++) LV[i] = PA[i] | 0;`
        : `let LV = new Array(${fn.slots}).fill(0);${Array.from({ length: fn.params }, (_, i) => ` LV[${i}] = p${i} | 0;`).join('')}`;
    const restore = this.lv ? 'LV = L.slice();' : Array.from({ length: fn.slots }, (_, i) => `l${i} = L[${i}];`).join(' ');
    // The resumable version (plain or profiling): a frame that has not started (pc 0, no upcall
    // child) is a fresh call with the parameters it holds (its other locals are still 0).
    // Its depth is its place on the vCPU's stack (the engine resumes frames outermost first).
    // Profiling: it takes its call-tree node back first; the fresh call goes on with it (its
    // position is still the entry's: nothing has run in it).
    const freshArgs = Array.from({ length: fn.params }, (_, i) => `, L[${i}]`).join('');
    const startsFresh = !this.freshCalls
      ? ''
      : this.profiling
        ? `const dd = rdepth();\nconst PN = rf.node, LN = PN.ln, BC = PN.bc;\n${manyParams ? '' : `if (rf.pc === 0 && PN.cur === 0 && !hasChild()) { const L = rf.locals; return F[${fn.id}](undefined, dd, PN${freshArgs}); }\n`}`
        : `const dd = rdepth();\n${manyParams ? '' : `if (rf.pc === 0 && !hasChild()) { const L = rf.locals; return F[${fn.id}](undefined, dd${freshArgs}); }\n`}`;
    const temps = Array.from({ length: this.temps }, (_, i) => `t${i} = 0`);
    // The frame's locals into the record capture() hands it (reused from one suspension to the next).
    const store = this.lv ? `for (let i = 0; i < ${fn.slots}; i++) L[i] = LV[i];` : Array.from({ length: fn.slots }, (_, i) => `L[${i}] = l${i};`).join(' ');
    const counters = this.attribution.declarations();
    const counterArray = this.attribution.array();
    // Leaving the frame by suspension or fault: its cycles (and profile counts) go out first.
    const leave = this.profiling ? `PN.cur = cu; ${WRITE_BACK} R.cyc += c; c = 0;` : this.flush();
    // Profiling: a fault a helper raised with costs pending attributes them first.
    const faulted = this.profiling ? `${this.hypercalls ? 'if (R.hc >= 0) hcallThrew(); ' : ''}${this.attribution.faultCode()} ` : '';
    const capture = `{ const L = capture(${fn.id}, site, ${fn.slots}${this.profiling ? ', PN' : ''}); ${store} }`;
    // Profiling: what is pending and the loop counters go to the node as the body ends.
    const ends = this.profiling ? `${this.attribution.settle(false, true)} ${WRITE_BACK} R.cyc += c; return 0;` : 'R.cyc += c; return 0;';
    if (this.fresh) {
      // The fresh-call version: its depth `d`; profiling, its call-tree node `PN` (the caller entered it).
      const code = [
        `function f${fn.id}(rf, d${this.profiling ? ', PN' : ''}${params.map((p) => `, ${p}`).join('')}) {`,
        `if (rf !== undefined) return FR[${fn.id}](rf);`,
        ...(this.profiling ? [`const LN = PN.ln, BC = PN.bc;`] : []),
        `let ${[...locals, ...temps, 'c = 0', 'T = 0', 'A = 0', 'W = 0', 'site = 0', ...(this.profiling ? ['cu = 0', 'K = null', ...counters, ...this.attribution.aheadDeclarations()] : [])].join(', ')};`,
        localArray,
        ...(this.profiling ? [counterArray] : []),
        `let b = R.bud - R.cyc, X = null;`,
        this.usesMemory ? 'let mb = M.bytes, mv = M.view, mw = M.words, ma = M.accessible, ml = M.limit | 0, me = M.epoch, V = 0;' : '',
        'try {',
        'U: {',
        body,
        ends,
        '}',
        `${leave} ${capture} return 0;`,
        `} catch (e) { ${faulted}${leave} if (isFault(e)) ${capture} throw e; }`,
        '}',
      ].join('\n');
      return this.profiling ? this.profiled(code) : code;
    }
    const code = [
      `function f${fn.id}(rf${this.profiling && !this.freshCalls ? ', PP' : ''}${params.map((p) => `, ${p}`).join('')}) {`,
      startsFresh,
      `let ${[...locals, ...temps, 'c = 0', 'T = 0', 'A = 0', 'W = 0', 'rp = 0', 'site = 0', 'sk = 0', ...(this.profiling ? ['cu = 0', ...(this.freshCalls ? ['K = null'] : []), ...counters] : [])].join(', ')};`,
      localArray,
      counterArray,
      // Cached per activation, refreshed after anything that can change them: the
      // cycles left before the next check must stop (0 while events may be pending)
      // and the domain memory's views and size.
      `let b = R.bud - R.cyc, X = null;`,
      this.usesMemory ? 'let mb = M.bytes, mv = M.view, mw = M.words, ma = M.accessible, ml = M.limit | 0, me = M.epoch, V = 0;' : '',
      // What the debugger armed is fixed for a whole run: read it once per activation.
      this.stepping ? 'const HA = R.hall, HM = R.harm;' : '',
      // Profiling without fresh-call versions: the frame's call-tree node, a child of the caller's node PP (entering the
      // caller's last-entered child again is inlined; pvop impls always go through pe(), which
      // also counts the call at the caller's pvop site); a resumed frame takes its node back.
      this.profiling && !this.freshCalls
        ? fn.impl
          ? `const PN = rf === undefined ? pe(${fn.id}, PP) : rf.node, LN = PN.ln, BC = PN.bc;`
          : `let PN = PP; if (rf !== undefined) PN = rf.node; else if (PP.kf === ${fn.id}) { PN = PP.kn; PN.count++; } else PN = pe(${fn.id}, PP);\nconst LN = PN.ln, BC = PN.bc;`
        : '',
      `if (rf !== undefined) { const L = rf.locals; ${restore} rp = rf.pc === 0 ? 0 : route(${fn.id}, rf.pc);${this.profiling ? ' cu = PN.cur;' : ''} }`,
      'try {',
      'U: {',
      // An upcall delivered at the entry check point resumes here; inside the block so
      // that a stop within it still captures this frame (at site 0: the entry).
      `if (rf !== undefined && rp === 0) { if (hasChild()) { resumeChild(); ${SUSPENDED} upcallDone();${this.profiling ? ' CU.top = PN;' : ''} ${this.refresh()} } else sk = R.skip; }`,
      body,
      ends,
      '}',
      // Suspended (only `break U` gets here): record this frame for the resume.
      `${leave} ${capture} return 0;`,
      `} catch (e) { ${faulted}${leave} if (isFault(e)) ${capture} throw e; }`,
      '}',
    ].join('\n');
    if (!this.profiling) return code;
    return this.profiled(code);
  }

  /** Profiling: a function's code with its loop counters' write-back, declaring the node's `LN` and `BC` only where used. */
  private profiled(code: string): string {
    let out = this.attribution.resolve(code.replaceAll(WRITE_BACK, this.attribution.writeBack()));
    if (!out.includes('LN[')) out = out.replace('LN = PN.ln, ', '');
    if (!out.includes('BC[')) out = out.replace(', BC = PN.bc', '').replace('const BC = PN.bc;', '');
    return out;
  }

  /** Profiling: the blocks of function `fn` (see BlockTable). */
  private blocksOf(fn: number): BlockTable {
    return (this.blockTables[fn] ??= new BlockTable());
  }

  /**
   * The fast engine (plain or profiling): the frame's call depth (1 in main), a
   * parameter `d` of a fresh call and `dd` in a resumed frame. Its code keeps no
   * shared depth count: it publishes its depth in `R.depth` before a check point
   * asks the host.
   */
  private get depth(): string {
    return this.fresh ? 'd' : 'dd';
  }

  /** Guest local `slot` of the current function. */
  private local(slot: number): string {
    return this.lv ? `LV[${slot}]` : `l${slot}`;
  }

  /**
   * A call's arguments, evaluated in order before the call: each into a
   * temporary (reused by every call of the function), or all into one array
   * when the callee takes them as one.
   */
  private callArgs(args: readonly IExpr[]): { setArgs: string; argList: string; temps: string[] } {
    if (args.length > REGISTER_LOCALS) {
      this.temps = Math.max(this.temps, 1);
      return { setArgs: `t0 = [${args.map((a) => this.expr(a)).join(', ')}];`, argList: ', t0', temps: ['t0'] };
    }
    this.temps = Math.max(this.temps, args.length);
    const temps = args.map((_, i) => `t${i}`);
    const setArgs = args.map((a, i) => `${temps[i]} = ${this.expr(a)};`).join(' ');
    return { setArgs, argList: temps.map((t) => `, ${t}`).join(''), temps };
  }

  /**
   * An `if`'s condition (no deferred loads: the branches would have to take
   * them along) and its branches, each settling what it took (list()), so
   * that after the `if` a cost belongs to the `if`'s own position again.
   * `withElse` false leaves `otherwise` empty.
   */
  private branches(s: IStmt & { k: 'if' }, withElse: boolean): { cond: string; then: string; otherwise: string } {
    const defer = this.deferLoads;
    this.deferLoads = false;
    const cond = this.cond(s.cond);
    this.deferLoads = defer;
    const at = this.cur;
    // Each branch starts where the condition left control, not where the other branch ended:
    // nothing is known there of what `K` holds or of a call counted ahead (see straightEnds()).
    this.straightEnds();
    const then = this.list(s.then);
    this.cur = at;
    this.straightEnds();
    const otherwise = withElse ? this.list(s.else) : '';
    this.cur = at;
    this.straightEnds();
    return { cond, then, otherwise };
  }

  /**
   * Resume pcs inside a statement (a function's entry, pc 0, is a plain start,
   * not a resume point). Remembered per statement: each enclosing list asks
   * again, which would make nested code quadratic to generate.
   */
  private points(s: IStmt): readonly number[] {
    if (this.fresh) return NO_POINTS;
    let known = this.pointsOf.get(s);
    if (known === undefined) {
      known = this.pointsInside(s);
      this.pointsOf.set(s, known);
    }
    return known;
  }

  private pointsInside(s: IStmt): number[] {
    switch (s.k) {
      case 'boundary': {
        const pc = this.pcOf.get(s) as number;
        return (s.check || this.stepping) && pc !== 0 ? [-pc] : [];
      }
      case 'call':
      case 'hypercall':
      case 'hlt':
        return [(this.pcOf.get(s) as number) + 1];
      case 'if':
        return [...s.then.flatMap((x) => this.points(x)), ...s.else.flatMap((x) => this.points(x))];
      case 'loop':
        return [...s.body.flatMap((x) => this.points(x)), ...s.step.flatMap((x) => this.points(x))];
      default:
        return [];
    }
  }

  /**
   * A statement list. Where it holds resume points, each statement runs only
   * when not resuming (rp 0) or when the point being resumed lies inside it.
   */
  private list(stmts: readonly IStmt[]): string {
    const points = stmts.map((s) => this.points(s));
    // A list ends with nothing pending: control joins after it.
    if (points.every((p) => p.length === 0)) return [...stmts.map((s) => this.stmt(s)), this.settle()].join('\n');
    // Consecutive statements without resume points share one guard. A resumed
    // frame enters a group with resume points without running the code before
    // it, so nothing may be pending there: what is pending is added at the end
    // of the group before (inside its guard). Otherwise costs carry over from
    // one group to the next, which both a fresh and a resumed run pass through.
    const groups: { guard: string; code: string[] }[] = [];
    let plain: { guard: string; code: string[] } | undefined;
    stmts.forEach((s, i) => {
      if (points[i].length === 0) {
        if (!plain) {
          plain = { guard: 'rp === 0', code: [] };
          groups.push(plain);
        }
        plain.code.push(this.stmt(s));
        return;
      }
      groups[groups.length - 1]?.code.push(this.settle());
      plain = undefined;
      groups.push({ guard: `rp === 0 || ${points[i].map((p) => `rp === ${p}`).join(' || ')}`, code: [this.routed(s)] });
    });
    groups[groups.length - 1].code.push(this.settle());
    return groups
      .filter((g) => g.code.some((c) => c !== ''))
      .map((g) => `if (${g.guard}) {\n${g.code.join('\n')}\n}`)
      .join('\n');
  }

  /** A statement that holds resume points: enter it normally when rp is 0, or route to the point. */
  private routed(s: IStmt): string {
    switch (s.k) {
      case 'boundary': {
        const pc = this.pcOf.get(s) as number;
        return `if (rp !== 0) { rp = 0; site = ${-pc}; if (hasChild()) { resumeChild(); ${SUSPENDED} upcallDone();${this.profiling ? ' CU.top = PN;' : ''} ${this.refresh()} } else sk = R.skip; }\n${this.stmt(s)}`;
      }
      case 'call': {
        const pc = (this.pcOf.get(s) as number) + 1;
        return `if (rp === 0) { ${this.stmt(s)} } else { rp = 0; site = ${pc}; ${this.suspendable('resumeChild()', s.dst)}${this.freshCalls ? '' : ' R.depth--;'} ${this.refresh()} }`;
      }
      case 'hypercall':
      case 'hlt':
        return `if (rp === 0) { ${this.stmt(s)} } else { rp = 0; }`;
      case 'if': {
        const inThen = s.then.flatMap((x) => this.points(x));
        const route = inThen.length === 0 ? 'false' : inThen.map((p) => `rp === ${p}`).join(' || ');
        const { cond, then, otherwise } = this.branches(s, true);
        return `if (rp === 0 ? ${cond} : (${route})) {\n${then}\n} else {\n${otherwise}\n}`;
      }
      default:
        return this.stmt(s);
    }
  }

  /** Profiling: a cost of `k` taken at the current position, pending with `pending`. */
  private take(k: number): void {
    if (this.profiling) this.attribution.take(this.cur, k);
  }

  /** Profiling: an expression attributing a cost of `k` that `c` took at once (empty without profiling). */
  private takenNow(k: number): string {
    return this.profiling ? `, ${this.attribution.now(this.cur, k, this.loops.length > 0)}` : '';
  }

  /** The `pending` argument of a helper that can fault at `site` (profiling: the frame's catch attributes it). */
  private pendingAt(site: number): number {
    if (this.profiling) this.attribution.faultSite(site);
    return this.pending;
  }

  private get coalescing(): boolean {
    return !this.stepping;
  }

  /** The fast engine, plain or profiling (not stepping): fresh-call versions, depth as an argument, word-indexed loads. */
  private get freshCalls(): boolean {
    return !this.stepping;
  }

  /** Charges a static cost: now, or with the next settle() when coalescing. */
  private charge(k: number): string {
    if (this.coalescing) {
      this.pending += k;
      this.take(k);
      return '';
    }
    return `c += ${k};`;
  }

  /** Adds the pending static costs to `c` (profiling: and to the profile). */
  private settle(): string {
    const attributed = this.profiling ? this.attribution.settle(this.loops.length > 0) : '';
    if (this.pending === 0) return attributed;
    const k = this.pending;
    this.pending = 0;
    return `c += ${k};${attributed === '' ? '' : ` ${attributed}`}`;
  }

  /**
   * Moves the frame's cycle count `c` (plus `extra`) into the shared count.
   * Profiling: first attributes what is pending and `extra` to the current
   * position, and publishes the frame's node and position (`CU.top`,
   * `PN.cur`) for the host call or pvop callee that follows (a plain call
   * need not: the callee gets the node as its argument `PP`, and if it
   * suspends, the frame's catch publishes the position to resume at).
   */
  private flush(extra = '', publish = true, freshCall = false): string {
    // Profiling folds a call's cost and what is pending into one number.
    const folded = this.profiling && /^\d+$/.test(extra) ? [String(Number(extra) + this.pending)] : [extra, this.pending > 0 ? String(this.pending) : ''];
    const plus = folded.filter((x) => x !== '').map((x) => ` + ${x}`).join('');
    this.pending = 0;
    if (!this.profiling) return `R.cyc += c${plus}; c = 0;`;
    // A number (a call's cost) joins the pending block; `PVC` (a pvop call's) is known at run time only.
    const symbolic = extra !== '' && !/^\d+$/.test(extra);
    if (extra !== '' && !symbolic) this.attribution.take(this.cur, Number(extra));
    // A fresh call's settle in a fresh-call version, outside loops: it may count the next such call's block ahead (see settleCall()).
    const attributed = freshCall && this.fresh && this.loops.length === 0 ? this.attribution.settleCall() : this.attribution.settle(this.loops.length > 0);
    const own = symbolic ? ` ${this.cur >= 0 ? `LN[${this.cur}]` : 'LN[cu]'} += ${extra};` : '';
    // The cursor is stored only when it changes: storing a node into the long-lived cursor runs V8's
    // write barrier, about 60 instructions of a hypercall loop's profiled call (cachegrind).
    return `${attributed}${own}${publish ? ' PN.cur = cu; if (CU.top !== PN) CU.top = PN;' : ''} R.cyc += c${plus}; c = 0;`;
  }

  /** flush() as a comma expression. */
  private flushExpr(): string {
    const k = this.pending;
    this.pending = 0;
    if (!this.profiling) return k > 0 ? `R.cyc += c + ${k}, c = 0` : 'R.cyc += c, c = 0';
    // Nothing is pending where an intrinsic runs (see stmt()); were it, its attribution goes with it.
    const attributed = this.attribution
      .settle(this.loops.length > 0, true)
      .split(';')
      .map((x) => x.trim())
      .filter((x) => x !== '');
    return [...attributed, 'PN.cur = cu, CU.top !== PN && (CU.top = PN)', k > 0 ? `R.cyc += c + ${k}` : 'R.cyc += c', 'c = 0'].join(', ');
  }

  /**
   * Profiling: the call-tree node a fresh call of `fn` runs on, into `K`: a
   * child of this frame's node `PN` (entering its last-entered child again is
   * inlined; a pvop impl always goes through pe(), which also counts the call
   * at this frame's pvop site).
   */
  private enterNode(fn: number): string {
    if (this.program.functions[fn].impl) {
      this.kHolds = -1;
      return `K = pe(${fn}, PN);`;
    }
    // A function has one node under this frame's: in a fresh-call version (no resume points), `K` still holds it
    // when this statement is reached only after a call of the same function along straight code.
    if (this.fresh && this.kHolds === fn) return '';
    this.kHolds = this.fresh ? fn : -1;
    return `if (PN.kf === ${fn}) K = PN.kn; else K = pf(${fn}, PN);`;
  }

  /** Profiling: a fresh call of `fn` (not a pvop impl, which pe() counts) is counted in the block its call's flush() settles. */
  private countCall(fn: number): void {
    if (this.profiling && !this.program.functions[fn].impl) this.attribution.called(fn);
  }

  /**
   * A call that can suspend the vCPU, its value into local `dst` (-1: none)
   * only when it did not: a suspended frame keeps the value it had.
   */
  private suspendable(call: string, dst: number): string {
    return dst >= 0 ? `T = ${call}; ${SUSPENDED} ${this.local(dst)} = T;` : `${call}; ${SUSPENDED}`;
  }

  private refresh(): string {
    return this.usesMemory ? REFRESH_BUDGET + REFRESH_MEMORY : REFRESH_BUDGET;
  }

  private site(loc: Loc): number {
    // A fresh-call version shares the sites of its resumable version (made just before it from the same IR),
    // each location's one site there.
    const known = this.fresh && !this.locWithSites.has(loc) ? this.siteOf.get(loc) : undefined;
    if (known !== undefined) return known;
    this.locs.push(loc);
    const site = this.locs.length - 1;
    if (this.freshCalls && !this.fresh) {
      if (this.siteOf.has(loc)) this.locWithSites.add(loc);
      else this.siteOf.set(loc, site);
    }
    return site;
  }

  private stmt(s: IStmt): string {
    // Profiling: what `K` holds is known only along straight code (see enterNode()).
    const straight = STRAIGHT.has(s.k);
    if (!straight) this.straightEnds();
    const code = this.stmtSettled(s);
    if (!straight) this.straightEnds();
    return code;
  }

  /** Profiling: control may join or branch here (see kHolds and ProfileAttribution.settleCall()). */
  private straightEnds(): void {
    this.kHolds = -1;
    if (this.profiling) this.attribution.straightEnds();
  }

  private stmtSettled(s: IStmt): string {
    if (s.k === 'if' && this.coalescing && s.else.length === 0 && !exprHasIntr(s.cond) && exits(s.then) && s.then.every((x) => this.points(x).length === 0)) {
      // `if (c) { …; break; }` (a loop test): the branch takes what is pending along
      // and settles before it leaves; the path that falls through keeps it pending.
      const carried = this.pending;
      const carriedProfile = this.attribution.save();
      const code = this.stmtCode(s);
      this.pending = carried;
      this.attribution.restore(carriedProfile);
      return code;
    }
    // Where `c` is looked at, or control flow joins or leaves, nothing may be pending. Profiling:
    // a call, hypercall or hlt flushes what is pending itself, attributing it with its own cost
    // (one write per position; a helper that faults before it attributes it through its site),
    // unless an intrinsic in its arguments would flush it first: one in an operand that && or ||
    // may skip would take what is pending along with it, and the call's flush would not count it.
    const settled = settlesBefore(s) && !(this.profiling && flushesPending(s) && !stmtHasIntr(s)) ? this.settle() : '';
    // An intrinsic sees the exact count (rdtsc reads the clock): in its statement no load is deferred,
    // so nothing is pending where it runs, even in an operand that && or || may skip.
    if (!stmtHasIntr(s)) return settled + this.stmtCode(s);
    const defer = this.deferLoads;
    this.deferLoads = false;
    const code = this.stmtCode(s);
    this.deferLoads = defer;
    return settled + code;
  }

  private stmtCode(s: IStmt): string {
    switch (s.k) {
      case 'boundary': {
        const pc = this.pcOf.get(s) as number;
        // Stepping: ask the hook where the debugger armed this boundary (or all of them),
        // except right where this frame resumes from a stop (sk).
        const hook = this.stepping
          ? `if (sk === 0 && (HA || (HM !== null && HM[${s.id}] === 1))) { ${this.flush()} site = ${-pc}; hk(${s.id}); ${SUSPENDED} ${this.refresh()} }\nsk = 0;\n`
          : '';
        // Profiling: what ran since the previous boundary belongs to the previous statement.
        let profile = '';
        if (this.profiling) {
          const position = this.positions.get(s.id) as number;
          profile = `${this.attribution.beforeCuChanges()} cu = ${position};\n`;
          this.cur = position;
        }
        if (!s.check || this.unchecked) return `${hook}${profile}${this.charge(COSTS.statement)}`;
        const publish = this.freshCalls ? `R.depth = ${this.depth}; ` : '';
        return `if (c >= b) { site = ${-pc}; ${this.flush()} ${publish}check(); ${SUSPENDED} ${this.refresh()} }\n${hook}${profile}${this.charge(COSTS.statement)}`;
      }
      case 'set-local':
        return `${this.local(s.slot)} = ${this.expr(s.e)};`;
      case 'set-global':
        return `G[${s.index}] = ${this.expr(s.e)};`;
      case 'store': {
        const at = this.site(s.loc);
        const fast =
          s.width === 32 ? `${alignmentTest('A', s.addr, 4)}(A >>> 0) < ml) mv.setInt32(A, W, true)`
          : s.width === 16 ? `${alignmentTest('A', s.addr, 2)}(A >>> 0) < ml) mv.setUint16(A, W & 0xffff, true)`
          : `(A >>> 0) < ml) mb[A] = W`;
        const code = `A = ${this.expr(s.addr)}; W = ${this.expr(s.value)}; if (${fast}; else st(${s.width}, A, W, ${at}, ${this.pendingAt(at)});`;
        return code + this.charge(COSTS.memoryAccess);
      }
      case 'call': {
        const { setArgs, argList } = this.callArgs(s.args);
        const pc = (this.pcOf.get(s) as number) + 1;
        const at = this.site(s.loc);
        if (s.target.k === 'fn') {
          if (this.freshCalls) {
            const enter = this.profiling ? `${this.enterNode(s.target.fn)} ` : '';
            const overflowCheck = `if (${this.depth} >= ${MAX_CALL_DEPTH}) overflow(${s.target.fn}, ${at}, ${this.pendingAt(at)});`;
            this.countCall(s.target.fn);
            return `${setArgs} ${overflowCheck} ${this.flush(String(COSTS.call), false, true)} site = ${pc}; ${enter}${this.suspendable(`F[${s.target.fn}](undefined, ${this.depth} + 1${this.profiling ? ', K' : ''}${argList})`, s.dst)} ${this.refresh()}`;
          }
          return `${setArgs} if (R.depth >= ${MAX_CALL_DEPTH}) overflow(${s.target.fn}, ${at}, ${this.pendingAt(at)}); ${this.flush(String(COSTS.call), false)} R.depth++; site = ${pc}; ${this.suspendable(`F[${s.target.fn}](undefined${this.profiling ? ', PN' : ''}${argList})`, s.dst)} R.depth--; ${this.refresh()}`;
        }
        if (this.freshCalls) {
          // Profiling: pe() also counts the call at this frame's pvop site (flush() published its position).
          const enter = this.profiling ? `K = pe(DISP[${s.target.op}], PN); ` : '';
          this.kHolds = -1;
          return `${setArgs} if (${this.depth} >= ${MAX_CALL_DEPTH}) overflow(DISP[${s.target.op}], ${at}, ${this.pendingAt(at)}); ${this.flush('PVC')} D.pvopCalls++; site = ${pc}; ${enter}${this.suspendable(`F[DISP[${s.target.op}]](undefined, ${this.depth} + 1${this.profiling ? ', K' : ''}${argList})`, s.dst)} ${this.refresh()}`;
        }
        return `${setArgs} if (R.depth >= ${MAX_CALL_DEPTH}) overflow(DISP[${s.target.op}], ${at}, ${this.pendingAt(at)}); ${this.flush('PVC')} D.pvopCalls++; R.depth++; site = ${pc}; ${this.suspendable(`F[DISP[${s.target.op}]](undefined${this.profiling ? ', PN' : ''}${argList})`, s.dst)} R.depth--; ${this.refresh()}`;
      }
      case 'hypercall': {
        const { setArgs, temps } = this.callArgs(s.args);
        const pc = (this.pcOf.get(s) as number) + 1;
        const at = this.site(s.loc);
        // The first five arguments, unused ones 0 (the rest were evaluated for their effects and costs;
        // past REGISTER_LOCALS arguments they are all in one array).
        const many = s.args.length > REGISTER_LOCALS;
        const five = Array.from({ length: 5 }, (_, i) => (i >= s.args.length ? '0' : many ? `${temps[0]}[${i}]` : temps[i])).join(', ');
        // Profiling: the call is noted first (a hypercall that throws is recorded by the frame's catch), and the
        // recorder takes it as it returns (before a suspension unwinds the frames). The call itself is plain code's.
        if (this.profiling) this.hypercalls = true;
        const noted = this.profiling ? `R.hn = ${s.nr}; R.hc = ${at}; ` : '';
        const call = `hcall(${s.nr}, ${five}, ${at}, ${s.dst})`;
        const recorded = this.profiling ? `hcallRecord(${s.nr}, ${at}); ` : '';
        const suspendable = s.dst >= 0 ? `${noted}T = ${call}; ${recorded}${SUSPENDED} ${this.local(s.dst)} = T;` : `${noted}${call}; ${recorded}${SUSPENDED}`;
        return `${setArgs} ${this.flush()} site = ${pc}; ${suspendable} if (R.cyc >= R.lim) { limitStop(); break U; } ${this.refresh()}`;
      }
      case 'hlt': {
        const pc = (this.pcOf.get(s) as number) + 1;
        return `${this.flush()} site = ${pc}; halt(${this.site(s.loc)}); ${SUSPENDED} ${this.refresh()}`;
      }
      case 'print': {
        const parts = s.parts.map((p) =>
          p.k === 'str' ? JSON.stringify(p.s) : p.t === 'bool' ? `(${this.expr(p.e)} !== 0 ? "true" : "false")` : p.t === 'i32' ? `String(${this.expr(p.e)} | 0)` : `String(${this.expr(p.e)} >>> 0)`,
        );
        return `D.console.write(${[...parts, '"\\n"'].join(' + ')});`;
      }
      case 'eval':
        return `${this.expr(s.e)};`;
      case 'if': {
        const { cond, then, otherwise } = this.branches(s, s.else.length > 0);
        return `if (${cond}) {\n${then}\n}${otherwise === '' ? '' : ` else {\n${otherwise}\n}`}`;
      }
      case 'loop': {
        const counted = this.fresh && !this.unchecked ? countedLoop(s) : null;
        if (counted === null) return this.loopCode(s);
        // The plain engine's fresh version: a counted loop whose remaining iterations cannot
        // reach the budget (each costs at most `perIteration`) runs a copy without check points,
        // the checked copy otherwise. Both charge exactly the same cycles; a check point
        // only acts where `c >= b`, which the guard shows cannot happen in the loop.
        const i = this.local(counted.index);
        const hi = this.local(counted.bound);
        const checked = this.loopCode(s);
        this.unchecked = true;
        const free = this.loopCode(s);
        this.unchecked = false;
        return `if (c < b && c + ((${hi} >>> 0) - (${i} >>> 0)) * ${counted.perIteration} < b) {\n${free}\n} else {\n${checked}\n}`;
      }
      case 'break':
        return `break L${this.loops[this.loops.length - 1]};`;
      case 'continue':
        return `break B${this.loops[this.loops.length - 1]};`;
      case 'return':
        if (this.profiling) {
          const value = s.e ? this.expr(s.e) : '0';
          const k = this.pending;
          this.pending = 0;
          return `T = ${value}; ${this.attribution.settle(false, true)} ${WRITE_BACK} R.cyc += c${k > 0 ? ` + ${k}` : ''}; return T;`;
        }
        if (!s.e) return 'R.cyc += c; return 0;';
        {
          const value = this.expr(s.e);
          const k = this.pending;
          this.pending = 0;
          return `return (T = ${value}, R.cyc += c${k > 0 ? ` + ${k}` : ''}, T);`;
        }
    }
  }

  /** A loop: its body and step inside labelled blocks (`break` leaves L, `continue` leaves B). */
  private loopCode(s: IStmt & { k: 'loop' }): string {
    const n = this.labels++;
    this.loops.push(n);
    if (this.profiling) this.cur = CLEAN;
    const body = this.list(s.body);
    if (this.profiling) this.cur = CLEAN;
    const step = this.list(s.step);
    this.loops.pop();
    // The loop is left only by break, which settles: nothing is pending after it.
    if (this.profiling) this.cur = CLEAN;
    return `L${n}: for (;;) {\nB${n}: {\n${body}\n}\n${step}\n}`;
  }

  // ------------------------------------------------------------ expressions

  private expr(e: IExpr): string {
    switch (e.k) {
      case 'const':
        return e.v < 0 ? `(${e.v})` : String(e.v);
      case 'local':
        return this.local(e.slot);
      case 'global':
        return `G[${e.index}]`;
      case 'bin': {
        const cmp = COMPARE[e.op];
        if (cmp) return `(${this.cond(e)} ? 1 : 0)`;
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        switch (e.op) {
          case 'add': return `((${a} + ${b}) | 0)`;
          case 'sub': return `((${a} - ${b}) | 0)`;
          case 'mul': return `imul(${a}, ${b})`;
          case 'divu':
          case 'divs':
          case 'remu':
          case 'rems':
            // A constant divisor other than 0 cannot fault: the helper's arithmetic inline.
            if (e.b.k === 'const' && e.b.v !== 0) {
              return e.op === 'divu' ? `(((${a} >>> 0) / ${e.b.v >>> 0}) | 0)`
                : e.op === 'remu' ? `(((${a} >>> 0) % ${e.b.v >>> 0}) | 0)`
                : e.op === 'divs' ? `((${a} / ${b}) | 0)`
                : `((${a} % ${b}) | 0)`;
            }
            {
              const at = this.site(e.loc);
              return `${e.op}(${a}, ${b}, ${at}, ${this.pendingAt(at)})`;
            }
          case 'and': return `(${a} & ${b})`;
          case 'or': return `(${a} | ${b})`;
          case 'xor': return `(${a} ^ ${b})`;
          case 'shl': return `(${a} << ${b})`;
          case 'shru': return `((${a} >>> ${b}) | 0)`;
          case 'shrs': return `(${a} >> ${b})`;
          default: return '0';
        }
      }
      case 'andand':
      case 'oror':
      case 'not':
        return `(${this.cond(e)} ? 1 : 0)`;
      case 'neg':
        return `((-${this.expr(e.a)}) | 0)`;
      case 'bnot':
        return `(~${this.expr(e.a)})`;
      case 'load': {
        const at = this.site(e.loc);
        const fast =
          e.width === 32 ? `(${alignmentTest('T', e.addr, 4)}(T >>> 0) < ml) ? mv.getInt32(T, true)`
          : e.width === 16 ? `(${alignmentTest('T', e.addr, 2)}(T >>> 0) < ml) ? mv.getUint16(T, true)`
          : `((T >>> 0) < ml) ? mb[T]`;
        const addr = this.expr(e.addr);
        // The fast engine (plain or profiling), a word whose address is a side-effect-free multiple
        // of 4: the words view indexed by the address over 4, computed from the address's own terms.
        const index = this.freshCalls && e.width === 32 && HOST_LITTLE_ENDIAN && !exprAny(e.addr, hasEffects) ? this.wordIndex(e.addr) : null;
        if (index !== null) {
          const word = `(V = mw[${index}]) !== undefined ? V : ld(32, ${addr}, ${at}, ${this.pendingAt(at)})`;
          if (this.deferLoads) {
            this.pending += COSTS.memoryAccess;
            this.take(COSTS.memoryAccess);
            return `(${word})`;
          }
          return `(T = ${word}, c += ${COSTS.memoryAccess}${this.takenNow(COSTS.memoryAccess)}, T)`;
        }
        // A provably aligned word on a little-endian host: the words view's own range check
        // (undefined outside the accessible bytes) stands in for the bounds test.
        const load =
          e.width === 32 && HOST_LITTLE_ENDIAN && provablyAligned(e.addr, 4)
            ? `T = (V = mw[T >> 2]) !== undefined ? V : ld(32, T, ${at}, ${this.pendingAt(at)})`
            : e.width === 8
              ? `T = (V = ma[T]) !== undefined ? V : ld(8, T, ${at}, ${this.pendingAt(at)})`
              : `T = ${fast} : ld(${e.width}, T, ${at}, ${this.pendingAt(at)})`;
        if (this.coalescing && this.deferLoads) {
          this.pending += COSTS.memoryAccess;
          this.take(COSTS.memoryAccess);
          return `(T = ${addr}, ${load}, T)`;
        }
        return `(T = ${addr}, ${load}, c += ${COSTS.memoryAccess}${this.takenNow(COSTS.memoryAccess)}, T)`;
      }
      case 'intr':
        return `(X = [${e.args.map((a) => this.expr(a)).join(', ')}], ${this.flushExpr()}, T = intr(${JSON.stringify(e.name)}, X, ${this.site(e.loc)}), b = R.bud - R.cyc, T)`;
    }
  }

  /**
   * An int32 expression `I` with 4·I ≡ `e` (mod 2^32) when `e` is provably a
   * multiple of 4 built from constants and +, -, ×, << (else null). Where I
   * indexes the words view (0 ≤ I < length ≤ 2^24), the address is exactly
   * 4·I, so the word read is the one at `e`.
   */
  private wordIndex(e: IExpr): string | null {
    if (e.k === 'const') return (e.v & 3) === 0 ? `(${e.v >> 2})` : null;
    if (e.k !== 'bin') return null;
    switch (e.op) {
      case 'add':
      case 'sub': {
        const a = this.wordIndex(e.a);
        const b = a === null ? null : this.wordIndex(e.b);
        return b === null ? null : `((${a} ${e.op === 'add' ? '+' : '-'} ${b}) | 0)`;
      }
      case 'mul': {
        const scaled = (x: IExpr, k: number) => (k === 1 ? this.expr(x) : `imul(${this.expr(x)}, ${k})`);
        if (e.b.k === 'const' && (e.b.v & 3) === 0) return scaled(e.a, e.b.v >> 2);
        if (e.a.k === 'const' && (e.a.v & 3) === 0) return scaled(e.b, e.a.v >> 2);
        const a = this.wordIndex(e.a);
        if (a !== null) return `imul(${a}, ${this.expr(e.b)})`;
        const b = this.wordIndex(e.b);
        return b === null ? null : `imul(${this.expr(e.a)}, ${b})`;
      }
      case 'shl':
        return e.b.k === 'const' && (e.b.v & 31) >= 2 ? `(${this.expr(e.a)} << ${(e.b.v & 31) - 2})` : null;
      default:
        return null;
    }
  }

  /** A JS boolean for an IR value used as a condition. */
  private cond(e: IExpr): string {
    switch (e.k) {
      case 'const':
        return e.v !== 0 ? 'true' : 'false';
      case 'bin': {
        const cmp = COMPARE[e.op];
        if (!cmp) break;
        const [op, unsigned] = cmp;
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        return unsigned ? `((${a} >>> 0) ${op} (${b} >>> 0))` : `(${a} ${op} ${b})`;
      }
      case 'not':
        return `!${this.cond(e.a)}`;
      case 'andand':
      case 'oror': {
        const a = this.cond(e.a);
        const defer = this.deferLoads;
        this.deferLoads = false;
        const b = this.cond(e.b);
        this.deferLoads = defer;
        return `(${a} ${e.k === 'andand' ? '&&' : '||'} ${b})`;
      }
      default:
        break;
    }
    return `(${this.expr(e)} !== 0)`;
  }
}

/**
 * Whether an address expression is a multiple of `n` (2 or 4) for every
 * value of its variables (arithmetic is mod 2^32, which n divides): then the
 * fast path of an access need not test alignment. The slow path still checks
 * everything.
 */
function provablyAligned(e: IExpr, n: 2 | 4): boolean {
  switch (e.k) {
    case 'const':
      return (e.v & (n - 1)) === 0;
    case 'bin':
      switch (e.op) {
        case 'mul':
        case 'and':
          return provablyAligned(e.a, n) || provablyAligned(e.b, n);
        case 'add':
        case 'sub':
        case 'or':
        case 'xor':
          return provablyAligned(e.a, n) && provablyAligned(e.b, n);
        case 'shl':
          return provablyAligned(e.a, n) || (e.b.k === 'const' && (e.b.v & 31) >= (n === 4 ? 2 : 1));
        default:
          return false;
      }
    case 'neg':
      return provablyAligned(e.a, n);
    default:
      return false;
  }
}

/** The alignment part of an access's fast-path test on `v` (empty when the address is provably aligned). */
function alignmentTest(v: string, addr: IExpr, n: 2 | 4): string {
  return provablyAligned(addr, n) ? '' : `(${v} & ${n - 1}) === 0 && `;
}

/** Whether some node of an expression satisfies `test`. */
function exprAny(e: IExpr, test: (node: IExpr) => boolean): boolean {
  if (test(e)) return true;
  switch (e.k) {
    case 'bin':
    case 'andand':
    case 'oror':
      return exprAny(e.a, test) || exprAny(e.b, test);
    case 'neg':
    case 'not':
    case 'bnot':
      return exprAny(e.a, test);
    case 'load':
      return exprAny(e.addr, test);
    case 'intr':
      return e.args.some((a) => exprAny(a, test));
    default:
      return false;
  }
}

/** A statement's own expressions (not those of the statements nested in it). */
function ownExprs(s: IStmt): IExpr[] {
  switch (s.k) {
    case 'set-local':
    case 'set-global':
    case 'eval':
      return [s.e];
    case 'store':
      return [s.addr, s.value];
    case 'print':
      return s.parts.flatMap((p) => (p.k === 'val' ? [p.e] : []));
    case 'call':
    case 'hypercall':
      return s.args;
    case 'return':
      return s.e === null ? [] : [s.e];
    case 'if':
      return [s.cond];
    default:
      return [];
  }
}

const exprHasIntr = (e: IExpr): boolean => exprAny(e, (n) => n.k === 'intr');
/** A node whose evaluation can do more than compute a value: cost, fault or call. */
const hasEffects = (n: IExpr): boolean => n.k === 'load' || n.k === 'intr' || (n.k === 'bin' && (n.op === 'divu' || n.op === 'divs' || n.op === 'remu' || n.op === 'rems'));
const exprUsesMemory = (e: IExpr): boolean => exprAny(e, (n) => n.k === 'load');

/** Whether a statement's own expressions hold an intrinsic. */
function stmtHasIntr(s: IStmt): boolean {
  return ownExprs(s).some(exprHasIntr);
}

/** Whether pending static costs must be added to `c` before a statement: it looks at `c`, moves it, or control flow leaves or joins. */
function settlesBefore(s: IStmt): boolean {
  switch (s.k) {
    case 'boundary':
      return s.check;
    case 'set-local':
    case 'set-global':
    case 'eval':
    case 'store':
    case 'print':
      return stmtHasIntr(s);
    default:
      return true;
  }
}

/** A statement whose code flushes what is pending before it can leave or suspend (see Generator.flush()). */
function flushesPending(s: IStmt): boolean {
  return s.k === 'call' || s.k === 'hypercall' || s.k === 'hlt';
}

/** A statement list that always leaves by break, continue or return at its end. */
function exits(list: readonly IStmt[]): boolean {
  const last = list[list.length - 1];
  return last !== undefined && (last.k === 'break' || last.k === 'continue' || last.k === 'return');
}

/** Whether a statement loads or stores guest memory directly (its callees do their own caching). */
function stmtUsesMemory(s: IStmt): boolean {
  switch (s.k) {
    case 'store':
      return true;
    case 'if':
      return exprUsesMemory(s.cond) || s.then.some(stmtUsesMemory) || s.else.some(stmtUsesMemory);
    case 'loop':
      return s.body.some(stmtUsesMemory) || s.step.some(stmtUsesMemory);
    default:
      return ownExprs(s).some(exprUsesMemory);
  }
}

/**
 * A `for` loop as lowered (body: its check boundary, then `if (i >=u hi)
 * break`; step: `i = i + 1`) whose body neither assigns `i` or `hi` nor holds
 * a loop, call, hypercall, hlt, intrinsic or print: it runs at most
 * `hi - i` (unsigned) more iterations, and each charges at most
 * `perIteration` cycles (every boundary, load and store in it once, both
 * branches of an `if` counted). Else null.
 */
function countedLoop(s: IStmt & { k: 'loop' }): { index: number; bound: number; perIteration: number } | null {
  const [head, test] = s.body;
  const step = s.step[0];
  if (s.step.length !== 1 || head?.k !== 'boundary' || !head.check || test?.k !== 'if') return null;
  if (test.else.length !== 0 || test.then.length !== 1 || test.then[0].k !== 'break') return null;
  const cond = test.cond;
  if (cond.k !== 'bin' || cond.op !== 'geu' || cond.a.k !== 'local' || cond.b.k !== 'local') return null;
  const index = cond.a.slot;
  const bound = cond.b.slot;
  if (index === bound || step.k !== 'set-local' || step.slot !== index) return null;
  const e = step.e;
  if (e.k !== 'bin' || e.op !== 'add' || e.a.k !== 'local' || e.a.slot !== index || e.b.k !== 'const' || e.b.v !== 1) return null;
  let perIteration = 0;
  const exprCost = (x: IExpr): number | null => {
    if (exprAny(x, (n) => n.k === 'intr')) return null;
    let loads = 0;
    exprAny(x, (n) => {
      if (n.k === 'load') loads++;
      return false;
    });
    return loads * COSTS.memoryAccess;
  };
  const visit = (list: readonly IStmt[]): boolean => {
    for (const t of list) {
      switch (t.k) {
        case 'boundary':
          perIteration += COSTS.statement;
          break;
        case 'set-local':
          if (t.slot === index || t.slot === bound) return false;
          break;
        case 'store':
          perIteration += COSTS.memoryAccess;
          break;
        case 'set-global':
        case 'if':
        case 'break':
        case 'continue':
        case 'return':
          break;
        default:
          // loop, call, hypercall, hlt, print, eval
          return false;
      }
      for (const x of ownExprs(t)) {
        const k = exprCost(x);
        if (k === null) return false;
        perIteration += k;
      }
      if (t.k === 'if' && !(visit(t.then) && visit(t.else))) return false;
    }
    return true;
  };
  // The step's own expression (i + 1) holds no load.
  if (!visit(s.body)) return null;
  return { index, bound, perIteration };
}
