import { COSTS } from '../machine/costs.js';
import type { Frame, Vcpu } from '../machine/state.js';
import { compactOp, S, SNode, X, type XNode } from './compact.js';
import { HYPERCALL_BLOCK, HYPERCALL_DONE, HYPERCALL_PAUSE, HYPERCALL_YIELD, MAX_CALL_DEPTH, type BoundaryHook, type Engine, type EngineHost, type Pcpu, type StopReason } from './engine.js';
import { GuestFault } from '../machine/fault.js';
import { flatOf, type FlatOp } from './flat.js';
import { formatValue, runIntrinsic } from './intrinsics.js';
import type { Loc, Program } from '../machine/ir.js';
import type { GuestMemory } from '../machine/memory.js';
import { beginUpcall } from './upcall.js';


/**
 * The steppable engine: runs the flattened IR (in a compact, monomorphic
 * form) with explicit frames, so a vCPU can stop at any statement boundary
 * and resume later, in this engine or the fast one.
 */
export class Interpreter implements Engine {
  private readonly code = new WeakMap<Program, SNode[][]>();
  /** Set by a debugger; asked before every boundary. */
  boundaryHook: BoundaryHook | undefined;
  private readonly resumeFrom = new WeakSet<Vcpu>();
  // The running vCPU's context, and cycles charged but not yet added to the clocks.
  private cyc = 0;
  private vcpu!: Vcpu;
  private pcpu!: Pcpu;
  private G!: Int32Array;
  private M!: GuestMemory;

  constructor(private readonly host: EngineHost) {}

  codeOf(program: Program): SNode[][] {
    let code = this.code.get(program);
    if (!code) {
      code = flatOf(program).map((ops) => ops.map(compactOp));
      this.code.set(program, code);
    }
    return code;
  }

  /** After a hook stop, the next run executes that boundary without asking again. */
  resumeAfterStop(vcpu: Vcpu): void {
    this.resumeFrom.add(vcpu);
  }

  /** Adds the pending cycles to the pcpu clock and the domain's and vCPU's counts. */
  private flush(): void {
    const n = this.cyc;
    if (n === 0) return;
    this.cyc = 0;
    this.pcpu.clock += n;
    this.vcpu.domain.cycles += n;
    this.vcpu.cycles += n;
  }

  run(vcpu: Vcpu): StopReason {
    this.vcpu = vcpu;
    this.pcpu = this.host.pcpuOf(vcpu);
    this.G = vcpu.domain.globals;
    this.M = vcpu.domain.memory;
    this.cyc = 0;
    try {
      return this.loop(vcpu);
    } finally {
      this.flush();
    }
  }

  private loop(vcpu: Vcpu): StopReason {
    const host = this.host;
    const dom = vcpu.domain;
    const program = dom.program;
    const allCode = this.codeOf(program);
    const pcpu = this.pcpu;
    const frames = vcpu.frames;
    let frame = frames[frames.length - 1];
    if (vcpu.resumeResult !== undefined) {
      if (vcpu.resumeDst >= 0) frame.locals[vcpu.resumeDst] = vcpu.resumeResult;
      vcpu.resumeResult = undefined;
      vcpu.resumeDst = -1;
    }
    let code = allCode[frame.fn];
    let L = frame.locals;
    let skipHook = this.resumeFrom.has(vcpu);
    this.resumeFrom.delete(vcpu);
    const hook = this.boundaryHook;

    for (;;) {
      const op = code[frame.pc];
      switch (op.op) {
        case S.BOUNDARY: {
          if (op.w === 1) {
            if (pcpu.clock + this.cyc >= pcpu.limit) return 'limit';
            if (dom.pendingHint) {
              this.flush();
              const port = host.deliverablePort(vcpu);
              if (port >= 0) {
                frame = this.enterUpcall(vcpu, port);
                code = allCode[frame.fn];
                L = frame.locals;
                continue;
              }
            }
          }
          if (hook !== undefined && !skipHook) {
            this.flush();
            if (hook(vcpu, op.src as FlatOp & { k: 'boundary' }, frames.length)) return 'breakpoint';
          }
          skipHook = false;
          this.cyc += COSTS.statement;
          frame.pc++;
          break;
        }
        case S.SETL:
          L[op.v] = this.ev(op.e as XNode, L);
          frame.pc++;
          break;
        case S.SETG:
          this.G[op.v] = this.ev(op.e as XNode, L);
          frame.pc++;
          break;
        case S.STORE: {
          const addr = this.ev(op.e as XNode, L);
          const value = this.ev(op.e2 as XNode, L);
          this.M.store(op.v as 8 | 16 | 32, addr, value, op.loc as Loc);
          this.cyc += COSTS.memoryAccess;
          frame.pc++;
          break;
        }
        case S.CALL:
        case S.PVCALL: {
          const pvop = op.op === S.PVCALL;
          const fnId = pvop ? dom.dispatch[op.v] : op.v;
          const fn = program.functions[fnId];
          const args = op.args as XNode[];
          const locals = new Array<number>(fn.slots).fill(0);
          for (let i = 0; i < args.length; i++) locals[i] = this.ev(args[i], L);
          if (frames.length >= MAX_CALL_DEPTH) {
            const loc = op.loc as Loc;
            throw new GuestFault('stack-overflow', `call depth above ${MAX_CALL_DEPTH} frames calling ${fn.name}`, loc.file, loc.line);
          }
          this.cyc += pvop ? (dom.patched ? COSTS.pvopPatched : COSTS.pvopIndirect) : COSTS.call;
          if (pvop) dom.pvopCalls++;
          frame.pc++;
          frame = { fn: fnId, pc: 0, locals, dst: op.w, upcall: false, pvop, node: null };
          frames.push(frame);
          code = allCode[fnId];
          L = locals;
          break;
        }
        case S.HCALL: {
          const argNodes = op.args as XNode[];
          const args: number[] = [];
          for (let i = 0; i < argNodes.length; i++) args.push(this.ev(argNodes[i], L));
          frame.pc++;
          this.flush();
          const value = host.hypercall(vcpu, op.v, args[0] ?? 0, args[1] ?? 0, args[2] ?? 0, args[3] ?? 0, args[4] ?? 0, op.loc as Loc);
          const end = host.hypercallEnd;
          if (end === HYPERCALL_DONE) {
            if (op.w >= 0) L[op.w] = value;
            // The boundary after a hypercall is a check point for the limit.
            if (pcpu.clock >= pcpu.limit) return 'limit';
            break;
          }
          vcpu.resumeDst = op.w;
          return end === HYPERCALL_BLOCK ? 'blocked' : end === HYPERCALL_YIELD ? 'yield' : end === HYPERCALL_PAUSE ? 'breakpoint' : 'done';
        }
        case S.HLT:
          frame.pc++;
          this.flush();
          if (host.halt(vcpu)) return 'blocked';
          break;
        case S.PRINT: {
          const parts = op.parts as NonNullable<SNode['parts']>;
          const values = op.args as XNode[];
          let text = '';
          for (let i = 0; i < parts.length; i++) {
            const part = parts[i];
            text += part.k === 'str' ? part.s : formatValue(this.ev(values[i], L), part.t);
          }
          dom.console.write(`${text}\n`);
          frame.pc++;
          break;
        }
        case S.EVAL:
          this.ev(op.e as XNode, L);
          frame.pc++;
          break;
        case S.JUMP:
          frame.pc = op.v;
          break;
        case S.JUMPF:
          frame.pc = this.ev(op.e as XNode, L) === 0 ? op.v : frame.pc + 1;
          break;
        default: {
          // RETURN and END
          const value = op.e !== null ? this.ev(op.e, L) : 0;
          const done = frames.pop() as Frame;
          if (done.upcall) vcpu.inUpcall = false;
          if (frames.length === 0) {
            this.flush();
            host.mainReturned(vcpu, value);
            return 'done';
          }
          frame = frames[frames.length - 1];
          if (done.dst >= 0) frame.locals[done.dst] = value;
          code = allCode[frame.fn];
          L = frame.locals;
          break;
        }
      }
    }
  }

  private enterUpcall(vcpu: Vcpu, port: number): Frame {
    const fn = vcpu.domain.program.functions[vcpu.domain.program.onEvent];
    beginUpcall(this.host, vcpu, port, vcpu.frames.length);
    const locals = new Array<number>(fn.slots).fill(0);
    locals[0] = port;
    const frame: Frame = { fn: fn.id, pc: 0, locals, dst: -1, upcall: true, pvop: false, node: null };
    vcpu.frames.push(frame);
    return frame;
  }

  /** Evaluates a pure expression; memory accesses and intrinsics charge their costs. */
  private ev(x: XNode, L: number[]): number {
    switch (x.op) {
      case X.CONST: return x.v;
      case X.LOCAL: return L[x.v];
      case X.GLOBAL: return this.G[x.v];
      case X.ADD: return (this.ev(x.a as XNode, L) + this.ev(x.b as XNode, L)) | 0;
      case X.SUB: return (this.ev(x.a as XNode, L) - this.ev(x.b as XNode, L)) | 0;
      case X.MUL: return Math.imul(this.ev(x.a as XNode, L), this.ev(x.b as XNode, L));
      case X.DIVU: case X.DIVS: case X.REMU: case X.REMS: {
        const a = this.ev(x.a as XNode, L);
        const b = this.ev(x.b as XNode, L);
        if (b === 0) {
          const loc = x.loc as Loc;
          throw new GuestFault('divide-by-zero', 'division by zero', loc.file, loc.line);
        }
        if (x.op === X.DIVU) return ((a >>> 0) / (b >>> 0)) | 0;
        if (x.op === X.DIVS) return (a / b) | 0;
        if (x.op === X.REMU) return ((a >>> 0) % (b >>> 0)) | 0;
        return (a % b) | 0;
      }
      case X.AND: return this.ev(x.a as XNode, L) & this.ev(x.b as XNode, L);
      case X.OR: return this.ev(x.a as XNode, L) | this.ev(x.b as XNode, L);
      case X.XOR: return this.ev(x.a as XNode, L) ^ this.ev(x.b as XNode, L);
      case X.SHL: return this.ev(x.a as XNode, L) << this.ev(x.b as XNode, L);
      case X.SHRU: return (this.ev(x.a as XNode, L) >>> this.ev(x.b as XNode, L)) | 0;
      case X.SHRS: return this.ev(x.a as XNode, L) >> this.ev(x.b as XNode, L);
      case X.EQ: return this.ev(x.a as XNode, L) === this.ev(x.b as XNode, L) ? 1 : 0;
      case X.NE: return this.ev(x.a as XNode, L) !== this.ev(x.b as XNode, L) ? 1 : 0;
      case X.LTU: return this.ev(x.a as XNode, L) >>> 0 < this.ev(x.b as XNode, L) >>> 0 ? 1 : 0;
      case X.LTS: return this.ev(x.a as XNode, L) < this.ev(x.b as XNode, L) ? 1 : 0;
      case X.LEU: return this.ev(x.a as XNode, L) >>> 0 <= this.ev(x.b as XNode, L) >>> 0 ? 1 : 0;
      case X.LES: return this.ev(x.a as XNode, L) <= this.ev(x.b as XNode, L) ? 1 : 0;
      case X.GTU: return this.ev(x.a as XNode, L) >>> 0 > this.ev(x.b as XNode, L) >>> 0 ? 1 : 0;
      case X.GTS: return this.ev(x.a as XNode, L) > this.ev(x.b as XNode, L) ? 1 : 0;
      case X.GEU: return this.ev(x.a as XNode, L) >>> 0 >= this.ev(x.b as XNode, L) >>> 0 ? 1 : 0;
      case X.GES: return this.ev(x.a as XNode, L) >= this.ev(x.b as XNode, L) ? 1 : 0;
      case X.ANDAND: return this.ev(x.a as XNode, L) !== 0 && this.ev(x.b as XNode, L) !== 0 ? 1 : 0;
      case X.OROR: return this.ev(x.a as XNode, L) !== 0 || this.ev(x.b as XNode, L) !== 0 ? 1 : 0;
      case X.NEG: return -this.ev(x.a as XNode, L) | 0;
      case X.NOT: return this.ev(x.a as XNode, L) === 0 ? 1 : 0;
      case X.BNOT: return ~this.ev(x.a as XNode, L);
      case X.LOAD8: case X.LOAD16: case X.LOAD32: {
        const a = this.ev(x.a as XNode, L);
        const M = this.M;
        let v: number;
        if (x.op === X.LOAD8 && a >>> 0 < M.limit) v = M.bytes[a];
        else if (x.op === X.LOAD32 && (a & 3) === 0 && a >>> 0 < M.limit) v = M.view.getInt32(a, true);
        else v = M.load(x.v as 8 | 16 | 32, a, x.loc as Loc);
        this.cyc += COSTS.memoryAccess;
        return v;
      }
      default: {
        // INTR
        const argNodes = x.args as XNode[];
        const args: number[] = [];
        for (let i = 0; i < argNodes.length; i++) args.push(this.ev(argNodes[i], L));
        this.flush();
        return runIntrinsic(this.host, this.vcpu, x.name, args, x.loc as Loc);
      }
    }
  }
}
