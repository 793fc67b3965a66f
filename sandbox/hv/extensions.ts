import type { HypercallDecl } from '../lang/ast.js';
import type { BootedExtension } from '../lang/systemAbi.js';
import { COSTS } from '../machine/costs.js';
import type { Vcpu } from '../machine/state.js';
import { CompiledHandlers } from './compiledHandlers.js';
import type { EventHost } from './events.js';
import { initialGlobals, resumeHandler, runHandler, type HandlerDebug, type HandlerHost, type HandlerObserver, type HandlerResult, type HvGlobals, type PausedHandler } from './pvkHandlers.js';

/** Where and why hypervisor code faulted (the report's top-level `panic`). */
export interface PanicInfo {
  kind: string;
  message: string;
  file: string;
  line: number;
}

/**
 * The extensions a machine was booted with (spec 9.1): their hypercalls by
 * number, their globals (one copy per machine) and the hypervisor console.
 */
export class BootedExtensions {
  readonly byNumber = new Map<number, HypercallDecl>();
  readonly console: string[] = [];
  private readonly sources: ReadonlyMap<string, BootedExtension['source']>;
  /** The globals as the evaluator keeps them (current unless `inSlots`). */
  private readonly evaluated: HvGlobals;
  /** The handlers compiled to JavaScript (the fast engine's), made at their first use; null: they do not compile. */
  private compiledForm: CompiledHandlers | null | undefined;
  /** What compiled handlers reach (the events of the host of the latest run). */
  private readonly compiledHost: { events: EventHost; hvPrint(line: string): void; lineOf(file: string, offset: number): number };
  /** Whether the globals' current values are in the compiled handlers' slots rather than in `evaluated`. */
  private inSlots = false;

  constructor(readonly booted: readonly BootedExtension[]) {
    for (const { abi } of booted) for (const h of abi.hypercalls) if (!this.byNumber.has(h.number)) this.byNumber.set(h.number, h);
    this.evaluated = initialGlobals(booted.map((b) => b.abi));
    this.sources = new Map(booted.map((b) => [b.abi.file, b.source]));
    this.compiledHost = { events: { domain: () => undefined, notify: () => undefined }, hvPrint: (line) => this.console.push(`${line}\n`), lineOf: (file, offset) => this.lineOf(file, offset) };
  }

  /** The hypervisor globals (one copy per machine), by declaration: current when read (read it again after a run). */
  get globals(): HvGlobals {
    if (this.inSlots) {
      this.compiledForm?.storeGlobals(this.evaluated);
      this.inSlots = false;
    }
    return this.evaluated;
  }

  private compiled(): CompiledHandlers | null {
    if (this.compiledForm === undefined) {
      const c = new CompiledHandlers(this.booted.map((b) => b.abi), this.compiledHost);
      this.compiledForm = c.ok ? c : null;
    }
    return this.compiledForm;
  }

  lineOf(file: string, offset: number): number {
    return this.sources.get(file)?.lineOf(offset) ?? 0;
  }

  /** The 1-based line and column of an offset in an extension's file (the debugger's frames). */
  positionOf(file: string, offset: number): { line: number; column: number } {
    return this.sources.get(file)?.position(offset) ?? { line: 0, column: 1 };
  }

  /**
   * Runs `decl`'s handler for `vcpu`: its result and own cycles, or where a
   * debugger (`debug`) paused it. `now` and `maxCycles` bound it: past the
   * cycle limit it throws HandlerOutOfCycles. A profiler's `observer` sees
   * its calls and cycles. With `compiled` (the fast engine) and no debugger,
   * the handler runs as JavaScript generated at its first use
   * (compiledHandlers.ts), else in the evaluator (pvkHandlers.ts): the same
   * results, cycles, faults and observations either way.
   */
  run(host: Omit<HandlerHost, 'hvPrint' | 'lineOf'>, decl: HypercallDecl, vcpu: Vcpu, args: readonly number[], now: number, maxCycles: number, debug?: HandlerDebug, observer: HandlerObserver | null = null, compiled = false): HandlerResult {
    if (!decl.handler) return { value: 0, cycles: 0 };
    const budget = Math.max(0, maxCycles - now - COSTS.hypercallBase - decl.cost);
    const c = compiled && debug === undefined ? this.compiled() : null;
    if (c !== null) {
      if (!this.inSlots) {
        c.loadGlobals(this.evaluated);
        this.inSlots = true;
      }
      this.compiledHost.events = host;
      const r = c.run(decl.handler, vcpu, args, budget, observer);
      if (r !== null) return r;
    }
    // The evaluator's host is made here, apart from the compiled path, which then allocates nothing.
    return runHandler(this.handlerHost(host), this.globals, decl.handler, vcpu, args, budget, debug, observer);
  }

  /**
   * The entry of `decl`'s handler among the plain compiled handlers (the
   * fast engine's, without a debugger or profiler), or -1 when it has none
   * or they do not compile: then run() takes it. Compiles them at the first ask.
   */
  plainEntry(decl: HypercallDecl): number {
    const c = decl.handler ? this.compiled() : null;
    return c === null || !decl.handler ? -1 : c.entryOf(decl.handler);
  }

  /**
   * Runs the handler of plain entry `entry` (plainEntry) for `vcpu` within
   * `budget` cycles (run() works it out), as run() would with `compiled` and
   * no debugger or profiler: its value; its own cycles are then in plainCycles().
   */
  runPlain(host: Omit<HandlerHost, 'hvPrint' | 'lineOf'>, entry: number, vcpu: Vcpu, args: readonly number[], budget: number): number {
    return this.readyCompiled(host).runPlain(entry, vcpu, args, budget);
  }

  /** The compiled handlers (made by plainEntry or profiledEntry), with the globals in their slots and `host` for their events. */
  private readyCompiled(host: Omit<HandlerHost, 'hvPrint' | 'lineOf'>): CompiledHandlers {
    const c = this.compiledForm as CompiledHandlers;
    // Compared, not tested: V8 then checks no other kinds of value.
    if (this.inSlots === false) {
      c.loadGlobals(this.evaluated);
      this.inSlots = true;
    }
    if (this.compiledHost.events !== host) this.compiledHost.events = host;
    return c;
  }

  /** The own cycles of the handler runPlain ran last. */
  plainCycles(): number {
    return (this.compiledForm as CompiledHandlers).plainCycles();
  }

  /** The entry of `decl`'s handler among the profiling compiled handlers, as plainEntry gives it for the plain ones (-1: run() takes it). */
  profiledEntry(decl: HypercallDecl): number {
    const c = decl.handler ? this.compiled() : null;
    return c === null || !decl.handler ? -1 : c.profilingEntryOf(decl.handler);
  }

  /** As runPlain, in the profiling compiled handlers (profiledEntry), counting into `observer`'s frames; its own cycles are then in profiledCycles(). */
  runProfiled(host: Omit<HandlerHost, 'hvPrint' | 'lineOf'>, entry: number, vcpu: Vcpu, args: readonly number[], budget: number, observer: HandlerObserver): number {
    return this.readyCompiled(host).runProfiled(entry, vcpu, args, budget, observer);
  }

  /** The own cycles of the handler runProfiled ran last. */
  profiledCycles(): number {
    return (this.compiledForm as CompiledHandlers).profiledCycles();
  }

  /** Goes on with a handler a debugger paused. */
  resume(host: Omit<HandlerHost, 'hvPrint' | 'lineOf'>, vcpu: Vcpu, paused: PausedHandler, debug: HandlerDebug | undefined): HandlerResult {
    return resumeHandler(this.handlerHost(host), this.globals, vcpu, paused, debug);
  }

  private handlerHost(host: Omit<HandlerHost, 'hvPrint' | 'lineOf'>): HandlerHost {
    return {
      domain: (id) => host.domain(id),
      notify: (d, port) => host.notify(d, port),
      hvPrint: (line) => this.console.push(`${line}\n`),
      lineOf: (file, offset) => this.lineOf(file, offset),
    };
  }
}
