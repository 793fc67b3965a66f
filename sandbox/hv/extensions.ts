import type { HypercallDecl } from '../lang/ast.js';
import type { BootedExtension } from '../lang/systemAbi.js';
import { COSTS } from '../machine/costs.js';
import type { Vcpu } from '../machine/state.js';
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
  readonly globals: HvGlobals;
  readonly console: string[] = [];
  private readonly sources: ReadonlyMap<string, BootedExtension['source']>;

  constructor(readonly booted: readonly BootedExtension[]) {
    for (const { abi } of booted) for (const h of abi.hypercalls) if (!this.byNumber.has(h.number)) this.byNumber.set(h.number, h);
    this.globals = initialGlobals(booted.map((b) => b.abi));
    this.sources = new Map(booted.map((b) => [b.abi.file, b.source]));
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
   * its calls and cycles.
   */
  run(host: Omit<HandlerHost, 'hvPrint' | 'lineOf'>, decl: HypercallDecl, vcpu: Vcpu, args: readonly number[], now: number, maxCycles: number, debug?: HandlerDebug, observer: HandlerObserver | null = null): HandlerResult {
    if (!decl.handler) return { value: 0, cycles: 0 };
    const budget = Math.max(0, maxCycles - now - COSTS.hypercallBase - decl.cost);
    return runHandler(this.handlerHost(host), this.globals, decl.handler, vcpu, args, budget, debug, observer);
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
