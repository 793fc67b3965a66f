import { COSTS } from '../hv/costs.js';
import type { Frame, Vcpu } from '../hv/state.js';
import { MAX_CALL_DEPTH, type Engine, type EngineHost, type StopReason } from './engine.js';
import { GuestFault } from './fault.js';
import { flatten, type FlatOp } from './flat.js';
import { formatValue, runIntrinsic } from './intrinsics.js';
import type { IExpr, Loc, Program } from './ir.js';
import type { GuestMemory } from './memory.js';
import { beginUpcall } from './upcall.js';

/** A debugger's say at each statement boundary: return true to stop before it. */
export type BoundaryHook = (vcpu: Vcpu, boundary: FlatOp & { k: 'boundary' }, frame: Frame) => boolean;

/**
 * The steppable engine: runs the flattened IR with explicit frames, so a vCPU
 * can stop at any statement boundary and resume later.
 */
export class Interpreter implements Engine {
  private readonly code = new WeakMap<Program, FlatOp[][]>();
  /** Set by a debugger; checked before every boundary. */
  boundaryHook: BoundaryHook | undefined;
  /** Skip the hook once for this vCPU (resuming from a stop at that same boundary). */
  private resumeFrom = new WeakSet<Vcpu>();

  constructor(private readonly host: EngineHost) {}

  codeOf(program: Program): FlatOp[][] {
    let code = this.code.get(program);
    if (!code) {
      code = program.functions.map(flatten);
      this.code.set(program, code);
    }
    return code;
  }

  /** After a hook stop, the next run executes that boundary without asking again. */
  resumeAfterStop(vcpu: Vcpu): void {
    this.resumeFrom.add(vcpu);
  }

  run(vcpu: Vcpu): StopReason {
    const host = this.host;
    const dom = vcpu.domain;
    const program = dom.program;
    const allCode = this.codeOf(program);
    const mem = dom.memory;
    const globals = dom.globals;
    const pcpu = host.pcpuOf(vcpu);
    const charge = (n: number): void => {
      pcpu.clock += n;
      dom.cycles += n;
      vcpu.cycles += n;
    };
    const frames = vcpu.frames;
    let frame = frames[frames.length - 1];
    if (vcpu.resumeResult !== undefined) {
      if (vcpu.resumeDst >= 0) frame.locals[vcpu.resumeDst] = vcpu.resumeResult;
      vcpu.resumeResult = undefined;
      vcpu.resumeDst = -1;
    }
    let code = allCode[frame.fn];
    let skipHook = this.resumeFrom.has(vcpu);
    this.resumeFrom.delete(vcpu);
    const hook = this.boundaryHook;

    for (;;) {
      const op = code[frame.pc];
      switch (op.k) {
        case 'boundary': {
          if (op.check) {
            if (pcpu.clock >= pcpu.limit) return 'limit';
            const port = host.deliverablePort(vcpu);
            if (port >= 0) {
              frame = this.enterUpcall(vcpu, port);
              code = allCode[frame.fn];
              continue;
            }
          }
          if (hook && !skipHook && hook(vcpu, op, frame)) return 'breakpoint';
          skipHook = false;
          charge(COSTS.statement);
          frame.pc++;
          break;
        }
        case 'set-local':
          frame.locals[op.slot] = this.eval(op.e, frame.locals, globals, mem, vcpu, charge);
          frame.pc++;
          break;
        case 'set-global':
          globals[op.index] = this.eval(op.e, frame.locals, globals, mem, vcpu, charge);
          frame.pc++;
          break;
        case 'store': {
          const addr = this.eval(op.addr, frame.locals, globals, mem, vcpu, charge);
          const value = this.eval(op.value, frame.locals, globals, mem, vcpu, charge);
          mem.store(op.width, addr, value, op.loc);
          charge(COSTS.memoryAccess);
          frame.pc++;
          break;
        }
        case 'call': {
          const args = op.args.map((a) => this.eval(a, frame.locals, globals, mem, vcpu, charge));
          let fnId: number;
          let cost: number = COSTS.call;
          const pvop = op.target.k === 'pvop';
          if (op.target.k === 'fn') fnId = op.target.fn;
          else {
            fnId = dom.dispatch[op.target.op];
            cost = dom.patched ? COSTS.pvopPatched : COSTS.pvopIndirect;
          }
          if (frames.length >= MAX_CALL_DEPTH) {
            throw new GuestFault('stack-overflow', `call depth above ${MAX_CALL_DEPTH} frames calling ${program.functions[fnId].name}`, op.loc.file, op.loc.line);
          }
          charge(cost);
          if (pvop) dom.pvopCalls++;
          frame.pc++;
          const fn = program.functions[fnId];
          const locals = new Int32Array(fn.slots);
          for (let i = 0; i < args.length; i++) locals[i] = args[i];
          frame = { fn: fnId, pc: 0, locals, dst: op.dst, upcall: false, pvop };
          frames.push(frame);
          code = allCode[fnId];
          break;
        }
        case 'hypercall': {
          const args = op.args.map((a) => this.eval(a, frame.locals, globals, mem, vcpu, charge));
          frame.pc++;
          const outcome = host.hypercall(vcpu, op.nr, args, op.loc);
          if (outcome.k === 'done') {
            if (op.dst >= 0) frame.locals[op.dst] = outcome.value;
            // The boundary after a hypercall is a check point: deliver what it made pending.
            if (pcpu.clock >= pcpu.limit) return 'limit';
            break;
          }
          vcpu.resumeDst = op.dst;
          if (outcome.k === 'block') return 'blocked';
          if (outcome.k === 'yield') return 'yield';
          return 'done';
        }
        case 'hlt': {
          frame.pc++;
          if (host.halt(vcpu)) return 'blocked';
          break;
        }
        case 'print': {
          let text = '';
          for (const part of op.parts) {
            text += part.k === 'str' ? part.s : formatValue(this.eval(part.e, frame.locals, globals, mem, vcpu, charge), part.t);
          }
          dom.console.push(`${text}\n`);
          frame.pc++;
          break;
        }
        case 'eval':
          this.eval(op.e, frame.locals, globals, mem, vcpu, charge);
          frame.pc++;
          break;
        case 'jump':
          frame.pc = op.to;
          break;
        case 'jump-false':
          frame.pc = this.eval(op.cond, frame.locals, globals, mem, vcpu, charge) === 0 ? op.to : frame.pc + 1;
          break;
        case 'return':
        case 'end': {
          const value = op.k === 'return' && op.e ? this.eval(op.e, frame.locals, globals, mem, vcpu, charge) : 0;
          const done = frames.pop() as Frame;
          if (done.upcall) vcpu.inUpcall = false;
          if (frames.length === 0) {
            host.mainReturned(vcpu, value);
            return 'done';
          }
          frame = frames[frames.length - 1];
          if (done.dst >= 0) frame.locals[done.dst] = value;
          code = allCode[frame.fn];
          break;
        }
      }
    }
  }

  private enterUpcall(vcpu: Vcpu, port: number): Frame {
    const fn = vcpu.domain.program.functions[vcpu.domain.program.onEvent];
    beginUpcall(this.host, vcpu, port, vcpu.frames.length);
    const locals = new Int32Array(fn.slots);
    locals[0] = port;
    const frame: Frame = { fn: fn.id, pc: 0, locals, dst: -1, upcall: true, pvop: false };
    vcpu.frames.push(frame);
    return frame;
  }

  /** Evaluates a pure expression; memory accesses and intrinsics charge their costs. */
  eval(e: IExpr, locals: Int32Array, globals: Int32Array, mem: GuestMemory, vcpu: Vcpu, charge: (n: number) => void): number {
    switch (e.k) {
      case 'const':
        return e.v;
      case 'local':
        return locals[e.slot];
      case 'global':
        return globals[e.index];
      case 'bin':
        return binop(e.op, this.eval(e.a, locals, globals, mem, vcpu, charge), this.eval(e.b, locals, globals, mem, vcpu, charge), e.loc);
      case 'andand':
        return this.eval(e.a, locals, globals, mem, vcpu, charge) !== 0 && this.eval(e.b, locals, globals, mem, vcpu, charge) !== 0 ? 1 : 0;
      case 'oror':
        return this.eval(e.a, locals, globals, mem, vcpu, charge) !== 0 || this.eval(e.b, locals, globals, mem, vcpu, charge) !== 0 ? 1 : 0;
      case 'neg':
        return -this.eval(e.a, locals, globals, mem, vcpu, charge) | 0;
      case 'not':
        return this.eval(e.a, locals, globals, mem, vcpu, charge) === 0 ? 1 : 0;
      case 'bnot':
        return ~this.eval(e.a, locals, globals, mem, vcpu, charge);
      case 'load': {
        const v = mem.load(e.width, this.eval(e.addr, locals, globals, mem, vcpu, charge), e.loc);
        charge(COSTS.memoryAccess);
        return v;
      }
      case 'intr': {
        const args = e.args.map((a) => this.eval(a, locals, globals, mem, vcpu, charge));
        return runIntrinsic(this.host, vcpu, e.name, args, e.loc);
      }
    }
  }
}

/** 32-bit integer arithmetic on int32 bit patterns; division by zero faults. */
export function binop(op: string, a: number, b: number, loc: Loc): number {
  switch (op) {
    case 'add': return (a + b) | 0;
    case 'sub': return (a - b) | 0;
    case 'mul': return Math.imul(a, b);
    case 'divu':
      if (b === 0) throw divideByZero(loc);
      return ((a >>> 0) / (b >>> 0)) | 0;
    case 'divs':
      if (b === 0) throw divideByZero(loc);
      return (a / b) | 0;
    case 'remu':
      if (b === 0) throw divideByZero(loc);
      return ((a >>> 0) % (b >>> 0)) | 0;
    case 'rems':
      if (b === 0) throw divideByZero(loc);
      return (a % b) | 0;
    case 'and': return a & b;
    case 'or': return a | b;
    case 'xor': return a ^ b;
    case 'shl': return a << (b & 31);
    case 'shru': return (a >>> (b & 31)) | 0;
    case 'shrs': return a >> (b & 31);
    case 'eq': return a === b ? 1 : 0;
    case 'ne': return a !== b ? 1 : 0;
    case 'ltu': return a >>> 0 < b >>> 0 ? 1 : 0;
    case 'lts': return a < b ? 1 : 0;
    case 'leu': return a >>> 0 <= b >>> 0 ? 1 : 0;
    case 'les': return a <= b ? 1 : 0;
    case 'gtu': return a >>> 0 > b >>> 0 ? 1 : 0;
    case 'gts': return a > b ? 1 : 0;
    case 'geu': return a >>> 0 >= b >>> 0 ? 1 : 0;
    case 'ges': return a >= b ? 1 : 0;
  }
  return 0;
}

function divideByZero(loc: Loc): GuestFault {
  return new GuestFault('divide-by-zero', 'division by zero', loc.file, loc.line);
}
