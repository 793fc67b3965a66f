import { Breakpoint, ExitedEvent, Handles, InitializedEvent, LoggingDebugSession, OutputEvent, Response, Scope, Source, StackFrame, StoppedEvent, TerminatedEvent, Thread } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as path from 'node:path';
import { analyze } from '../lang/analysis.js';
import { diskHost } from '../lang/fileHost.js';
import { normalizePath, Workspace } from '../lang/program.js';
import type { Frame, Vcpu } from '../machine/state.js';
import { EvalError, evaluate, formatValue, lookupLocal } from './evaluate.js';
import type { ExitCounters } from '../run/report.js';
import { LAUNCH_ATTRIBUTES, type PvlabLaunchArguments } from './launch.js';
import { DebugMachine, type Stop } from './machine.js';
import { frameLoc } from './positions.js';
import { hypervisorFrameAt, hypervisorFrameLabel, hypervisorGlobals, hypervisorLocals } from './handlerFrames.js';
import { quote, requestProblem } from './requestArgs.js';

type VarRef =
  | { k: 'locals'; thread: number; frame: number }
  | { k: 'handlerLocals'; thread: number; frame: number }
  | { k: 'hypervisor'; thread: number; frame: number }
  | { k: 'globals'; thread: number }
  | { k: 'vcpu'; thread: number }
  | { k: 'domain'; thread: number }
  | { k: 'counters'; thread: number; which: keyof ExitCounters<number> };

/** Scheduling steps per slice of running, between which the adapter answers requests (pause). */
const STEPS_PER_SLICE = 200;

/**
 * The pvlab debug adapter: DAP over the sandbox's DebugMachine. Every vCPU is
 * a thread; a stop stops the whole machine.
 */
export class PvlabDebugSession extends LoggingDebugSession {
  private machine: DebugMachine | undefined;
  private configured!: Promise<void>;
  private markConfigured!: () => void;
  private readonly refs = new Handles<VarRef>();
  private running = false;
  private readonly sent = new Map<number, number>();
  private stopOnEntry = false;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.configured = new Promise((resolve) => (this.markConfigured = resolve));
    // The base class shuts the adapter down on any 'error' event, and a message that is not JSON
    // (or not an object) raises one: a client's garbage must not end the session. Only a broken
    // stream ends it (and the input's 'close' shuts down as before).
    this.removeAllListeners('error');
    this.on('error', (event: DebugProtocol.Event) => {
      const what = typeof event?.body === 'string' ? event.body : String(event?.body ?? 'error');
      process.stderr.write(`pvlab debug adapter: ${what}\n`);
      if (what.startsWith('inStream error') || what.startsWith('outStream error')) this.shutdown();
    });
  }

  // ------------------------------------------------------------ requests in general

  /**
   * Every request is checked before its handler runs (requestArgs.ts): wrong
   * or missing arguments, and requests the adapter does not offer, get an
   * error response saying so.
   */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const problem = requestProblem(request.command, request.arguments);
    if (problem !== undefined) return this.fail(new Response(request), problem);
    super.dispatchRequest(request);
  }

  /** An error response with exactly this message (never formatted: it may quote the client's text). */
  private fail(response: DebugProtocol.Response, message: string): void {
    response.success = false;
    response.message = message;
    this.sendResponse(response);
  }

  /**
   * The base class answers an exception thrown by a handler with its stack
   * trace as the message (error 1104): a bug of the adapter, said as one, with
   * the stack on stderr only.
   */
  protected override sendErrorResponse(response: DebugProtocol.Response, codeOrMessage: number | DebugProtocol.Message, format?: string, variables?: Record<string, string>, dest?: number): void {
    if (codeOrMessage === 1104) {
      process.stderr.write(`pvlab debug adapter: '${response.command}' failed: ${variables?._stack ?? variables?._exception ?? format}\n`);
      return this.fail(response, `internal error in the pvlab debugger while handling '${response.command}' (please report it)`);
    }
    super.sendErrorResponse(response, codeOrMessage, format, variables, dest);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsFunctionBreakpoints: true,
      supportsDataBreakpoints: true,
      supportsStepBack: true,
      supportsSetVariable: true,
      supportsEvaluateForHovers: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsTerminateRequest: true,
      exceptionBreakpointFilters: [
        { filter: 'faults', label: 'Guest faults', description: 'Stop where a domain faults (divide-by-zero, out-of-range, …)', default: true },
        { filter: 'hypercall-errors', label: 'Hypercalls returning an error', default: false },
        { filter: 'traps', label: 'Traps and VM exits', default: false },
      ],
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    this.markConfigured();
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: PvlabLaunchArguments): Promise<void> {
    if (this.machine) return this.fail(response, 'a system is already launched in this debug session');
    try {
      await this.launch(response, args);
    } catch (e) {
      // The dispatcher does not wait for this handler: nothing may escape it.
      process.stderr.write(`pvlab debug adapter: launch failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      this.fail(response, `internal error in the pvlab debugger while launching ${quote(args.program)} (please report it)`);
    }
  }

  private async launch(response: DebugProtocol.LaunchResponse, args: PvlabLaunchArguments): Promise<void> {
    const file = normalizePath(args.program ?? '');
    const analysis = analyze(new Workspace(diskHost), [file]);
    if (!analysis.snapshot.file(file)) return this.fail(response, `cannot read the system file ${quote(args.program)}`);
    const machine = new DebugMachine(analysis, { file, system: args.system, options: { maxCycles: args.maxCycles ?? LAUNCH_ATTRIBUTES.maxCycles.default, patchPvops: args.patchPvops || undefined } });
    const booted = machine.boot();
    if (!booted.ok) {
      const lines = booted.diagnostics.map((d) => {
        const p = analysis.snapshot.file(d.file)?.source.position(d.span.start);
        return `${path.basename(d.file)}:${p?.line ?? 1}:${p?.column ?? 1}: ${d.code} ${d.message}`;
      });
      return this.fail(response, `${booted.message}${lines.length ? `:\n${lines.join('\n')}` : ''}`);
    }
    this.machine = machine;
    machine.filters.add('faults');
    this.stopOnEntry = (args.stopOnEntry ?? LAUNCH_ATTRIBUTES.stopOnEntry.default) === true;
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
    await this.configured;
    if (this.stopOnEntry) machine.stopOnEntry();
    this.go(this.stopOnEntry ? 'entry' : undefined);
  }

  // ------------------------------------------------------------ running

  /** Runs the machine in slices (so pause and other requests are answered) until it stops or ends. */
  private go(entryKind?: 'entry'): void {
    const m = this.machine;
    if (!m || this.running) return;
    this.running = true;
    const slice = (): void => {
      if (!this.running) return;
      let r: ReturnType<DebugMachine['run']>;
      try {
        r = m.run(STEPS_PER_SLICE);
      } catch (e) {
        this.running = false;
        this.sendEvent(new OutputEvent(`pvlab: internal error: ${e instanceof Error ? e.message : String(e)}\n`, 'stderr'));
        this.sendEvent(new TerminatedEvent());
        return;
      }
      this.flushOutput();
      if (r === 'running') {
        setImmediate(slice);
        return;
      }
      this.running = false;
      if (r === 'stopped' && m.stopped) this.reportStop(m.stopped, entryKind);
      else this.finish();
    };
    setImmediate(slice);
  }

  private reportStop(stop: Stop, entryKind?: 'entry'): void {
    const kind = entryKind && stop.kind === 'step' ? 'entry' : stop.kind;
    const event = new StoppedEvent(kind, this.threadId(stop.vcpu), stop.description) as DebugProtocol.StoppedEvent;
    event.body.allThreadsStopped = true;
    if (stop.breakpointIds.length > 0) event.body.hitBreakpointIds = stop.breakpointIds;
    if (stop.description) {
      event.body.description = stop.description;
      event.body.text = stop.description;
    }
    this.refs.reset();
    this.sendEvent(event);
  }

  private finish(): void {
    const m = this.machine;
    if (!m) return;
    this.flushOutput();
    const hv = m.hv;
    for (const d of hv.domains) {
      const state = hv.stateName(d);
      const detail = d.fault ? `: ${d.fault.kind} at ${path.basename(d.fault.file)}:${d.fault.line}` : d.exitCode !== null ? ` with code ${d.exitCode}` : '';
      this.sendEvent(new OutputEvent(`[${d.name}] ${state}${detail}\n`, 'console'));
    }
    this.sendEvent(new OutputEvent(`run ended ${hv.end ?? 'exited'} after ${hv.elapsed} cycles\n`, 'console'));
    const dom0 = hv.domains[0];
    this.sendEvent(new ExitedEvent(dom0?.exitCode ?? (dom0?.state === 'crashed' ? 1 : 0)));
    this.sendEvent(new TerminatedEvent());
  }

  /** Domain consoles to the debug console, labelled by domain, each line once. */
  private flushOutput(): void {
    const m = this.machine;
    if (!m) return;
    for (const line of m.logs.splice(0)) this.sendEvent(new OutputEvent(`${line}\n`, 'console'));
    for (const d of m.hv.domains) {
      const text = d.console.text;
      const sent = this.sent.get(d.id) ?? 0;
      if (text.length <= sent) continue;
      const fresh = text.slice(sent);
      this.sent.set(d.id, text.length);
      const labelled = fresh.replace(/([^\n]*)(\n|$)/g, (all, line: string, nl: string) => (all === '' ? '' : `[${d.name}] ${line}${nl}`));
      this.sendEvent(new OutputEvent(labelled, 'stdout'));
    }
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.machine?.continue();
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    this.go();
  }

  /** Refuses to move a machine that is running (the client should pause it first); true when refused. */
  private refusedWhileRunning(response: DebugProtocol.Response): boolean {
    if (!this.running) return false;
    this.fail(response, `the system is running: pause it before '${response.command}'`);
    return true;
  }

  private stepRequest(response: DebugProtocol.Response, threadId: number, how: 'in' | 'over' | 'out'): void {
    if (this.refusedWhileRunning(response)) return;
    const v = this.vcpuOf(threadId);
    if (!this.machine || !v) return this.fail(response, `no thread ${threadId}`);
    this.machine.stepVcpu(v, how);
    this.sendResponse(response);
    this.go();
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.stepRequest(response, args.threadId, 'over');
  }
  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.stepRequest(response, args.threadId, 'in');
  }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.stepRequest(response, args.threadId, 'out');
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    if (this.refusedWhileRunning(response)) return;
    const v = this.vcpuOf(args.threadId);
    if (!this.machine || !v) return this.fail(response, `no thread ${args.threadId}`);
    this.machine.stepBack(v);
    this.sendResponse(response);
    if (this.machine.stopped) this.reportStop(this.machine.stopped);
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    if (this.refusedWhileRunning(response)) return;
    if (!this.machine) return this.fail(response, 'not running');
    this.machine.reverseContinue();
    this.sendResponse(response);
    if (this.machine.stopped) this.reportStop(this.machine.stopped);
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.machine?.pause();
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.running = false;
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.running = false;
    this.sendResponse(response);
  }

  // ------------------------------------------------------------ breakpoints

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const file = args.source.path ? normalizePath(args.source.path) : '';
    const requested = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
    const set = this.machine?.setLineBreakpoints(file, requested) ?? [];
    response.body = {
      breakpoints: set.map((bp) => {
        const b = new Breakpoint(bp.verified, bp.actualLine, 1, new Source(path.basename(file), file)) as DebugProtocol.Breakpoint;
        b.id = bp.id;
        if (bp.message) b.message = bp.message;
        return b;
      }),
    };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    const set = this.machine?.setFunctionBreakpoints(args.breakpoints.map((b) => b.name)) ?? [];
    response.body = { breakpoints: set.map((b) => ({ id: b.id, verified: b.verified, ...(b.verified ? {} : { message: `no function ${b.name}` }) })) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.machine?.setFilters(args.filters);
    this.sendResponse(response);
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    const ref = args.variablesReference !== undefined ? this.refs.get(args.variablesReference) : undefined;
    const v = ref ? this.vcpuOf(ref.thread) : undefined;
    if (ref?.k === 'globals' && v) response.body = { dataId: `global:${v.domain.id}:${args.name}`, description: `${v.domain.name}.${args.name}`, accessTypes: ['write'] };
    else if (/^mem32\[(0x[0-9a-f]+|\d+)\]@\d+$/i.test(args.name)) {
      const [, addr, dom] = /^mem32\[(0x[0-9a-f]+|\d+)\]@(\d+)$/i.exec(args.name) as RegExpExecArray;
      response.body = { dataId: `mem:${dom}:${Number(addr)}`, description: args.name, accessTypes: ['write'] };
    } else response.body = { dataId: null, description: 'only globals and memory words (mem32[addr]@domid) can be watched' };
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    const set = this.machine?.setDataBreakpoints(args.breakpoints.map((b) => b.dataId)) ?? [];
    response.body = { breakpoints: set.map((b) => ({ id: b.id, verified: b.verified, ...(b.message ? { message: b.message } : {}) })) };
    this.sendResponse(response);
  }

  // ------------------------------------------------------------ inspection

  private threadId(v: Vcpu): number {
    return (this.machine?.indexOf(v) ?? -1) + 1;
  }
  private vcpuOf(threadId: number): Vcpu | undefined {
    return this.machine?.vcpus[threadId - 1];
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: (this.machine?.vcpus ?? []).map((v) => new Thread(this.threadId(v), v.label)) };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const m = this.machine;
    const v = this.vcpuOf(args.threadId);
    if (!m || !v) return this.fail(response, `no thread ${args.threadId}`);
    const frames = m.framesOf(v);
    const program = v.domain.program;
    const out: StackFrame[] = [];
    // A hypercall handler the vCPU is paused in: its frames on top, the guest's (at the call) below.
    const hvFrames = m.hypervisorFrames(v);
    for (let i = hvFrames.length - 1; i >= 0; i--) {
      const at = hypervisorFrameAt(m.hv.extensions, hvFrames[i]);
      out.push(new StackFrame(args.threadId * 1000 + out.length, hypervisorFrameLabel(hvFrames[i].fn), new Source(path.basename(at.file), at.file), at.line, at.column));
    }
    for (let i = frames.length - 1; i >= 0; i--) {
      const f = frames[i];
      const fn = program.functions[f.fn];
      const loc = frameLoc(program, f, i === frames.length - 1 && hvFrames.length === 0, frames[i + 1]?.upcall === true);
      const file = program.files[loc.file];
      const label = f.upcall ? `${fn.name} [event upcall]` : fn.impl ? `${fn.name} [pvop impl]` : fn.name;
      out.push(new StackFrame(args.threadId * 1000 + out.length, label, new Source(path.basename(file), file), loc.line, loc.column));
    }
    const start = args.startFrame ?? 0;
    response.body = { stackFrames: out.slice(start, args.levels ? start + args.levels : undefined), totalFrames: out.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const thread = Math.floor(args.frameId / 1000);
    const frame = args.frameId % 1000;
    const v = this.vcpuOf(thread);
    if (v && frame < (this.machine?.hypervisorFrames(v).length ?? 0)) {
      // A hypercall handler's frame: its locals and its abi block's hypervisor globals.
      response.body = {
        scopes: [
          new Scope('Locals', this.refs.create({ k: 'handlerLocals', thread, frame }), false),
          new Scope('Hypervisor', this.refs.create({ k: 'hypervisor', thread, frame }), false),
          new Scope('vCPU', this.refs.create({ k: 'vcpu', thread }), false),
          new Scope('Domain', this.refs.create({ k: 'domain', thread }), false),
        ],
      };
      return this.sendResponse(response);
    }
    response.body = {
      scopes: [
        new Scope('Locals', this.refs.create({ k: 'locals', thread, frame }), false),
        new Scope('Globals', this.refs.create({ k: 'globals', thread }), false),
        new Scope('vCPU', this.refs.create({ k: 'vcpu', thread }), false),
        new Scope('Domain', this.refs.create({ k: 'domain', thread }), false),
      ],
    };
    this.sendResponse(response);
  }

  /** A guest frame, counted from the top of the stack shown (a paused handler's frames first). */
  private frameOf(v: Vcpu, fromTop: number): Frame | undefined {
    const frames = this.machine?.framesOf(v) ?? [];
    return frames[frames.length - 1 - (fromTop - (this.machine?.hypervisorFrames(v).length ?? 0))];
  }

  private hypervisorFrameOf(v: Vcpu, fromTop: number) {
    const frames = this.machine?.hypervisorFrames(v) ?? [];
    return frames[frames.length - 1 - fromTop];
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const ref = this.refs.get(args.variablesReference);
    const v = ref ? this.vcpuOf(ref.thread) : undefined;
    const vars: DebugProtocol.Variable[] = [];
    if (ref && v) {
      const d = v.domain;
      const val = (name: string, value: string, extra: Partial<DebugProtocol.Variable> = {}) => vars.push({ name, value, variablesReference: 0, ...extra });
      switch (ref.k) {
        case 'locals': {
          const frame = this.frameOf(v, ref.frame);
          if (frame) {
            const fn = d.program.functions[frame.fn];
            const seen = new Set<string>();
            for (let i = fn.slotNames.length - 1; i >= 0; i--) {
              const name = fn.slotNames[i];
              if (!name || seen.has(name)) continue;
              seen.add(name);
              val(name, formatValue({ v: frame.locals[i] | 0, t: fn.slotTypes[i] }), { type: fn.slotTypes[i] });
            }
            vars.reverse();
          }
          break;
        }
        case 'handlerLocals':
        case 'hypervisor': {
          const frame = this.hypervisorFrameOf(v, ref.frame);
          const m = this.machine;
          if (!frame || !m) break;
          const list = ref.k === 'handlerLocals' ? hypervisorLocals(frame) : hypervisorGlobals(frame.fn, m.hv.extensions.globals);
          for (const { name, value } of list) val(name, formatValue(value), { type: value.t });
          break;
        }
        case 'globals':
          d.program.globals.forEach((g, i) => val(g.name, formatValue({ v: d.globals[i], t: g.type }), { type: g.type }));
          break;
        case 'vcpu': {
          const masked = d.mode === 'pv' ? d.memory.bytes[64 * v.id] !== 0 : !v.interruptsEnabled;
          const pending = d.ports.flatMap((p, i) => (p.pending ? [i] : []));
          val('cycles', String(this.machine?.cyclesOf(v) ?? v.cycles));
          val('status', v.status);
          val(d.mode === 'pv' ? 'upcall mask' : 'interrupts', d.mode === 'pv' ? (masked ? 'masked (1)' : 'unmasked (0)') : v.interruptsEnabled ? 'enabled' : 'disabled');
          val('pending events', pending.length > 0 ? pending.map((p) => `port ${p}`).join(', ') : 'none');
          val('in upcall', String(v.inUpcall));
          val('cr3', `0x${(v.cr3 >>> 0).toString(16)}`);
          val('pat', `0x${(v.pat >>> 0).toString(16)}`);
          val('timer', v.timerDeadline >= 0 ? `at ${v.timerDeadline}` : 'not set');
          break;
        }
        case 'domain':
          val('state', this.machine?.hv.stateName(d) ?? d.state);
          val('domid', String(d.id));
          val('mode', d.mode);
          val('pages', String(d.memory.pages), { memoryReference: `dom:${d.id}` });
          val('cycles', String(d.cycles));
          val('events delivered', String(d.events));
          val('pvop calls', String(d.pvopCalls));
          val('hypercalls', summary(d.hypercalls), { variablesReference: this.refs.create({ k: 'counters', thread: ref.thread, which: 'hypercalls' }) });
          val('traps', summary(d.traps), { variablesReference: this.refs.create({ k: 'counters', thread: ref.thread, which: 'traps' }) });
          val('vm exits', summary(d.vmexits), { variablesReference: this.refs.create({ k: 'counters', thread: ref.thread, which: 'vmexits' }) });
          break;
        case 'counters':
          for (const [k, n] of [...d[ref.which]].sort()) val(k, String(n));
          break;
      }
    }
    response.body = { variables: vars };
    this.sendResponse(response);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const m = this.machine;
    const ref = this.refs.get(args.variablesReference);
    const v = ref ? this.vcpuOf(ref.thread) : undefined;
    if (ref?.k === 'handlerLocals' || ref?.k === 'hypervisor') return this.fail(response, 'hypervisor values cannot be set: a paused hypercall handler goes on by replaying it from its start');
    if (!m || !ref || !v || (ref.k !== 'locals' && ref.k !== 'globals')) return this.fail(response, 'only locals and globals can be set');
    try {
      const scope = m.scope(v, ref.k === 'locals' ? ref.frame : 0);
      const value = evaluate(args.value, scope);
      if (ref.k === 'locals') {
        const frame = scope.frame;
        const local = lookupLocal(scope, args.name);
        if (!frame || !local) throw new EvalError(`no local ${args.name}`);
        const index = m.indexOf(v);
        // A replay (step back) re-boots: find the vCPU again by its index.
        const apply = (): void => {
          const f = m.scope(m.vcpus[index], ref.frame).frame;
          if (f) f.locals[local.slot] = value.v | 0;
        };
        apply();
        m.edited(apply);
        response.body = { value: formatValue({ v: value.v, t: local.type }) };
      } else {
        const d = v.domain;
        const i = d.program.globals.findIndex((g) => g.name === args.name);
        if (i < 0) throw new EvalError(`no global ${args.name}`);
        const apply = (): void => {
          d.globals[i] = value.v | 0;
        };
        apply();
        m.edited(() => (m.hv.domains[d.id].globals[i] = value.v | 0));
        response.body = { value: formatValue({ v: value.v, t: d.program.globals[i].type }) };
      }
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e instanceof Error ? e.message : String(e));
    }
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const m = this.machine;
    const thread = args.frameId !== undefined ? Math.floor(args.frameId / 1000) : m?.stopped ? this.threadId(m.stopped.vcpu) : 1;
    const frame = args.frameId !== undefined ? args.frameId % 1000 : 0;
    const v = this.vcpuOf(thread);
    if (!m || !v) return this.fail(response, 'nothing to evaluate in');
    try {
      response.body = { result: m.evaluate(v, frame, args.expression), variablesReference: 0 };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e instanceof Error ? e.message : String(e));
    }
  }

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    const d = this.domainOfRef(args.memoryReference);
    if (!d) return this.fail(response, `unknown memory reference ${quote(args.memoryReference)}`);
    const start = (args.offset ?? 0) >>> 0;
    const count = Math.min(args.count, 1 << 20);
    const bytes: number[] = [];
    let unreadable = 0;
    for (let i = 0; i < count; i++) {
      const b = d.memory.readBytes((start + i) | 0, 1);
      if (!b) {
        unreadable = count - i;
        break;
      }
      bytes.push(b[0]);
    }
    response.body = { address: `0x${start.toString(16)}`, data: Buffer.from(bytes).toString('base64'), ...(unreadable > 0 ? { unreadableBytes: unreadable } : {}) };
    this.sendResponse(response);
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    const m = this.machine;
    const d = this.domainOfRef(args.memoryReference);
    if (!m || !d) return this.fail(response, `unknown memory reference ${quote(args.memoryReference)}`);
    const data = Buffer.from(args.data, 'base64');
    const start = (args.offset ?? 0) >>> 0;
    const loc = { file: 0, line: 0, column: 0 };
    const apply = (): void => {
      const dom = m.hv.domains[d.id];
      for (let i = 0; i < data.length; i++) dom.memory.store(8, (start + i) | 0, data[i], loc);
    };
    try {
      apply();
      m.edited(apply);
      response.body = { bytesWritten: data.length };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e instanceof Error ? e.message : String(e));
    }
  }

  private domainOfRef(ref: string) {
    const m = /^dom:(\d+)$/.exec(ref);
    return m ? this.machine?.hv.domains[Number(m[1])] : undefined;
  }
}

function summary(counts: Map<string, number>): string {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  return total === 0 ? 'none' : `${total} (${[...counts].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, n]) => `${k} ${n}`).join(', ')})`;
}
