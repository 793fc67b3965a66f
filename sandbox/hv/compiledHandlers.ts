import type * as A from '../lang/ast.js';
import { ERRNO } from '../lang/abi.js';
import type { Vcpu } from '../machine/state.js';
import { setPending, type EventHost } from './events.js';
import { generateHandlers, HandlerLayout, NotCompiled, type PanicSite } from './handlerCompile.js';
import { HandlerOutOfCycles, HypervisorPanic, type HandlerObserver, type HvGlobals } from './pvkHandlers.js';

/** A generated module (handlerCompile.ts): runs handler `h` for `v`; `cycles()` are its own cycles since. */
interface HandlerModule {
  run(x: HandlerContext, h: number, v: Vcpu, args: readonly number[], budget: number, observer: HandlerObserver | null): number;
  cycles(): number;
}

/** Thrown by generated code on a bad guest address, caught where the handler was entered (-EFAULT). */
const EFAULT_SIGNAL = { efault: true };

/** What generated code may call: nothing else reaches it. */
const RUNTIME = Object.freeze({ imul: Math.imul, trunc: Math.trunc, floor: Math.floor, EF: EFAULT_SIGNAL });

/**
 * Modules by generated source, so that booting the same extensions again
 * reuses code V8 has already optimised. Oldest entries go first past the bound.
 */
const moduleCache = new Map<string, HandlerModule>();
const MODULE_CACHE_SIZE = 32;

function instantiate(source: string): HandlerModule {
  let module = moduleCache.get(source);
  if (!module) {
    module = (new Function('rt', source) as (rt: typeof RUNTIME) => HandlerModule)(RUNTIME);
    if (moduleCache.size >= MODULE_CACHE_SIZE) moduleCache.delete(moduleCache.keys().next().value as string);
    moduleCache.set(source, module);
  }
  return module;
}

/** What a handler reaches of the machine beyond its caller: other domains' events and the hypervisor console. */
export interface CompiledHandlerHost {
  readonly events: EventHost;
  hvPrint(line: string): void;
  lineOf(file: string, offset: number): number;
}

/**
 * One machine's side of a generated module (its `X`): its globals, the
 * tables beside the code, and what the code calls out for (faults, the cycle
 * limit, notify, print). One per machine and variant; the module may be
 * shared with other machines booting the same extensions.
 */
class HandlerContext {
  budget = 0;

  constructor(
    private readonly host: CompiledHandlerHost,
    readonly gv: Float64Array,
    private readonly sites: readonly PanicSite[],
    readonly fns: readonly A.FnItem[],
  ) {}

  /** The cycle limit was passed at a charge of `n`; profiling, the frame's cycles `cy` get the part up to it at slot `k`. */
  out(n: number, k: number, cycles: number, cy?: Float64Array): never {
    if (cy !== undefined) cy[k] += n - (cycles - this.budget);
    throw new HandlerOutOfCycles(this.budget);
  }

  panic(site: number, cycles: number): never {
    const s = this.sites[site];
    throw new HypervisorPanic(s.kind, s.message, s.file, this.host.lineOf(s.file, s.offset), cycles);
  }

  efault(): never {
    throw EFAULT_SIGNAL;
  }

  notify(domid: number, port: number): number {
    const target = this.host.events.domain(domid >>> 0);
    if (!target || target.state === 'destroyed') return ERRNO.ESRCH;
    const p = port >>> 0;
    if (p < 1 || p >= target.ports.length || target.ports[p].state === 'free') return ERRNO.EINVAL;
    setPending(this.host.events, target, p);
    return 0;
  }

  print(line: string): number {
    this.host.hvPrint(line);
    return 0;
  }
}

/**
 * A machine's extension handlers compiled to JavaScript (the fast engine's
 * way of running them): a plain variant, and one that tells a profiler's
 * observer everything, each made at its first use. Hypervisor globals live
 * in one slot array here while compiled code runs; `loadGlobals` and
 * `storeGlobals` move them from and to the evaluator's map when a machine
 * switches between the two.
 */
export class CompiledHandlers {
  private readonly layout: HandlerLayout;
  /** The globals by slot, made when the plain variant is generated. */
  private gv = new Float64Array(0);
  private readonly variants: (readonly [HandlerModule, HandlerContext] | null | undefined)[] = [undefined, undefined];
  /** The plain variant once made (and it compiled). */
  private plain: readonly [HandlerModule, HandlerContext] | undefined;
  /** The same, apart (runPlain reads them without an array). */
  private plainModule: HandlerModule | undefined;
  private plainContext: HandlerContext | undefined;
  /** The profiling variant once made (and it compiled), apart (runProfiled reads them without an array). */
  private profilingModule: HandlerModule | undefined;
  private profilingContext: HandlerContext | undefined;
  private lastHandler: A.FnItem | undefined;
  private lastEntry: number | undefined;
  /** Reused for every result (the caller reads it at once; handlers never nest). */
  private readonly result = { value: 0, cycles: 0 };

  constructor(
    abis: readonly A.AbiItem[],
    private readonly host: CompiledHandlerHost,
  ) {
    this.layout = new HandlerLayout(abis);
  }

  /** Whether the handlers compile (else the machine keeps the evaluator): compiles the plain variant. */
  get ok(): boolean {
    return this.variant(false) !== null;
  }

  private variant(profiling: boolean): readonly [HandlerModule, HandlerContext] | null {
    const i = profiling ? 1 : 0;
    let v = this.variants[i];
    if (v !== undefined) return v;
    // The plain variant first: generating it gives every global its slot (the profiling variant walks the same code).
    if (profiling && this.variant(false) === null) v = null;
    else {
      try {
        const gen = generateHandlers(this.layout, profiling);
        if (this.gv.length !== this.layout.slots.size) this.gv = new Float64Array(this.layout.slots.size);
        v = [instantiate(gen.source), new HandlerContext(this.host, this.gv, gen.sites, gen.fns)];
      } catch (e) {
        if (!(e instanceof NotCompiled)) throw e;
        v = null;
      }
    }
    this.variants[i] = v;
    if (i === 0 && v !== null) {
      this.plain = v;
      this.plainModule = v[0];
      this.plainContext = v[1];
    } else if (i === 1 && v !== null) {
      this.profilingModule = v[0];
      this.profilingContext = v[1];
    }
    return v;
  }

  /** Copies the evaluator's globals into the slots (before compiled code runs after the evaluator did). */
  loadGlobals(globals: HvGlobals): void {
    for (const [v, slot] of this.layout.slots) this.gv[slot] = globals.get(v) ?? 0;
  }

  /** Copies the slots into the evaluator's globals (before the evaluator, or anyone, reads them). */
  storeGlobals(globals: HvGlobals): void {
    for (const [v, slot] of this.layout.slots) if (globals.has(v) || this.gv[slot] !== 0) globals.set(v, this.gv[slot]);
  }

  /** The entry number of `handler` (for runPlain), or -1 when it is not one of these handlers. */
  entryOf(handler: A.FnItem): number {
    return this.layout.entries.get(handler) ?? -1;
  }

  /**
   * Runs the handler of entry `h` (entryOf) in the plain variant (made by
   * `ok`) for `vcpu`: its value, as run() gives it without an observer; its
   * own cycles are then in plainCycles().
   */
  runPlain(h: number, vcpu: Vcpu, args: readonly number[], budget: number): number {
    const x = this.plainContext as HandlerContext;
    x.budget = budget;
    return (this.plainModule as HandlerModule).run(x, h, vcpu, args, budget, null);
  }

  plainCycles(): number {
    return (this.plainModule as HandlerModule).cycles();
  }

  /** The entry number of `handler` for runProfiled (makes the profiling variant), or -1 when it is not one of these handlers or that variant does not compile. */
  profilingEntryOf(handler: A.FnItem): number {
    return this.variant(true) === null ? -1 : this.entryOf(handler);
  }

  /** As runPlain, in the profiling variant (made by profilingEntryOf), counting into `observer`'s frames; its own cycles are then in profiledCycles(). */
  runProfiled(h: number, vcpu: Vcpu, args: readonly number[], budget: number, observer: HandlerObserver): number {
    const x = this.profilingContext as HandlerContext;
    x.budget = budget;
    return (this.profilingModule as HandlerModule).run(x, h, vcpu, args, budget, observer);
  }

  profiledCycles(): number {
    return (this.profilingModule as HandlerModule).cycles();
  }

  /**
   * Runs `handler` for `vcpu`: its result and own cycles, as runHandler in
   * pvkHandlers.ts gives them (the same faults too). Null when the handlers
   * did not compile.
   */
  run(handler: A.FnItem, vcpu: Vcpu, args: readonly number[], budget: number, observer: HandlerObserver | null): { value: number; cycles: number } | null {
    // Calls come in runs of the same hypercall: look its entry up only when it changes.
    if (handler !== this.lastHandler) {
      this.lastHandler = handler;
      this.lastEntry = this.layout.entries.get(handler);
    }
    const h = this.lastEntry;
    // Without a profiler: the plain variant, kept at hand once made.
    const v = observer === null && this.plain !== undefined ? this.plain : this.variant(observer !== null);
    if (h === undefined || v === null) return null;
    const module = v[0];
    const x = v[1];
    x.budget = budget;
    const value = module.run(x, h, vcpu, args, budget, observer);
    this.result.value = value;
    this.result.cycles = module.cycles();
    return this.result;
  }
}
