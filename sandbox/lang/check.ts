import { builtinAbi, type HypercallTable } from './abi.js';
import { abiBlockDiagnostics } from './abiBlocks.js';
import type * as A from './ast.js';
import type { BootContext } from './bootContext.js';
import { hypercallRules, intrinsicRules, type PlatformScope } from './checkPlatform.js';
import { checkImpl, checkPvops, resolvePvopCall, type PvopsChecker } from './checkPvops.js';
import { evalConst, NotConstant } from './constEval.js';
import { makeDiagnostic, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import { HypervisorRules } from './checkHypervisor.js';
import { INTRINSICS, isIntrinsic, type IntrinsicSig } from './intrinsics.js';
import { buildItemTable, type ItemTable } from './items.js';
import type { ParsedFile } from './program.js';
import type { Span } from './source.js';
import { suggest } from './suggest.js';

type Ty = A.TypeName | 'void' | 'string' | undefined;
type IntTy = 'u32' | 'i32';
type Binding = A.NameRef;

/** One link of a binary chain between the checker's two passes over it (see Checker.binary). */
interface BinaryPlan {
  e: A.BinaryExpr;
  form: 'logic' | 'shift' | 'pair';
  leftHint: A.TypeName | undefined;
  pairHint: A.TypeName | undefined;
  /** The right operand's type, when it was checked before the left one. */
  rightType: Ty;
  rightFirst: boolean;
}

const RANGES: Record<IntTy, [number, number]> = {
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
};
const isInt = (t: Ty): t is IntTy => t === 'u32' || t === 'i32';
const fits = (v: number, t: IntTy): boolean => (t === 'u32' ? v >= 0 && v <= 0xffffffff : v >= -0x80000000 && v <= 0x7fffffff);
const show = (t: Ty): string => (t === 'void' ? 'nothing' : t === 'string' ? 'a string' : (t ?? '?'));

export interface CheckOptions {
  /** The systems that boot this file (through its kernel's imports); empty: no context. */
  contexts: readonly BootContext[];
  /** The names visible from the file (its import closure's name table). */
  items: ItemTable;
  abi?: HypercallTable;
}

/**
 * Resolves names and checks types in one file, seeing the items of its whole
 * import closure; annotates the file's AST (types, references) for the
 * machine; reports the diagnostics that belong to this file. Pvops tables and
 * impls are checked in checkPvops.ts, the context-dependent platform rules
 * (PVK011, PVK012, PVK016, PVK020, PVK021) in checkPlatform.ts.
 */
export function checkFile(closure: readonly ParsedFile[], options: CheckOptions): Diagnostic[] {
  checkerShape ??= new Checker([], { contexts: [], items: buildItemTable([]), abi: options.abi });
  return new Checker(closure, options).run();
}

/**
 * One Checker (of no file) kept alive from the first check on, so that its
 * shape and the code optimized for it outlive each file (see LEXER_SHAPES in
 * lexer.ts).
 */
let checkerShape: Checker | undefined;

class Checker implements PvopsChecker, PlatformScope {
  private readonly diags: Diagnostic[] = [];
  private readonly file: ParsedFile;
  readonly table: ItemTable;
  private readonly abi: HypercallTable;
  /**
   * The local scopes as one flat stack: the first `scopeCount` names and
   * their bindings, innermost last; `scopeStarts` holds where each open scope
   * begins. A later entry with the same name shadows an earlier one.
   */
  private readonly scopeNames: string[] = [];
  private readonly scopeBindings: Binding[] = [];
  private scopeCount = 0;
  /** The first `scopeDepth` entries are in use. */
  private readonly scopeStarts: number[] = [];
  private scopeDepth = 0;
  /** One binding per global or const, shared by every reference to it. */
  private readonly itemBindings = new Map<A.VarItem | A.ConstItem, Binding>();
  fn: A.FnItem | undefined;
  private loopDepth = 0;
  private readonly evaluating = new Set<A.ConstItem>();
  private readonly failedConsts = new Set<A.ConstItem>();
  /** The rules of the hypervisor boundary (abi blocks, spec 9.1). */
  private readonly hv: HypervisorRules;

  constructor(
    closure: readonly ParsedFile[],
    private readonly options: CheckOptions,
  ) {
    this.file = closure[0];
    this.table = options.items;
    this.abi = options.abi ?? builtinAbi();
    this.hv = new HypervisorRules({
      table: this.table,
      currentFn: () => this.fn,
      report: (span, code, message) => this.report(span, code, message),
      expr: (e, hint) => this.expr(e, hint),
      args: (e, params) => this.args(e, params),
    });
  }

  get contexts(): readonly BootContext[] {
    return this.options.contexts;
  }

  report(span: Span, code: DiagnosticCode, message: string): void {
    this.diags.push(makeDiagnostic(this.file.source.path, span, code, message));
  }

  private where(item: { file: string; span: Span }): string {
    const base = item.file.split(/[\\/]/).pop();
    return item.file === this.file.source.path ? `line ${this.lineOf(item.span)}` : `${base}`;
  }
  private lineOf(span: Span): number {
    return this.file.source.lineOf(span.start);
  }

  run(): Diagnostic[] {
    this.reportDuplicates();
    for (const item of this.file.ast.items) {
      switch (item.kind) {
        case 'const':
          this.constValue(item);
          break;
        case 'var':
          this.checkGlobal(item);
          break;
        case 'fn':
          this.checkFnItem(item);
          break;
        case 'pvops':
          checkPvops(this, item);
          break;
        case 'impl':
          checkImpl(this, item);
          break;
        case 'abi':
          this.checkAbi(item);
          break;
        default:
          break;
      }
    }
    return this.diags;
  }

  // ------------------------------------------------------------ items

  private reportDuplicates(): void {
    const here = this.file.source.path;
    for (const d of this.table.duplicates) {
      const nameSpan = (i: typeof d.first) => (i.kind === 'impl' ? i.group.span : i.name.span);
      if (d.second.file === here) {
        this.report(nameSpan(d.second), 'PVK007', `'${d.name}' is already defined (${this.where(d.first)})`);
      } else if (d.first.file === here) {
        this.report(nameSpan(d.first), 'PVK007', `'${d.name}' is also defined in imported file ${this.where(d.second)}`);
      } else {
        const via = this.file.imports[0]?.item;
        if (via) this.report(via.pathSpan, 'PVK007', `'${d.name}' is defined both in ${this.where(d.first)} and in ${this.where(d.second)}, which this file imports`);
      }
    }
    for (const item of this.file.ast.items) {
      if (item.kind === 'fn' && isIntrinsic(item.name.name)) {
        this.report(item.name.span, 'PVK007', `'${item.name.name}' is an intrinsic (a machine instruction); give the function another name`);
      }
    }
  }

  private constValue(item: A.ConstItem): number | boolean | undefined {
    if (item.value !== undefined) return item.value;
    if (this.evaluating.has(item) || this.failedConsts.has(item)) return undefined;
    this.evaluating.add(item);
    // A const means the names of its own (global) scope, wherever it is first
    // used: hide the locals of the function being checked while evaluating it.
    const scopeCount = this.scopeCount;
    const scopeDepth = this.scopeDepth;
    this.scopeCount = 0;
    this.scopeDepth = 0;
    try {
      const value = this.evaluateConst(item);
      if (value === undefined) this.failedConsts.add(item);
      else item.value = value;
      return value;
    } finally {
      this.evaluating.delete(item);
      this.scopeCount = scopeCount;
      this.scopeDepth = scopeDepth;
    }
  }

  /** Evaluates a const once, reporting its problems when it is this file's. */
  private evaluateConst(item: A.ConstItem): number | boolean | undefined {
    const own = item.file === this.file.source.path;
    const want = item.declared?.name;
    let value: number | boolean;
    try {
      value = evalConst(item.init, (name, e) => this.constLookup(name, e));
    } catch (e) {
      if (!(e instanceof NotConstant)) throw e;
      if (own) {
        const before = this.diags.length;
        this.expect(item.init, want);
        // Unknown names or type errors already explain why; otherwise say it is not constant.
        if (this.diags.length === before) this.report(e.expr.span, 'PVK014', `the value of const '${item.name.name}' must be computed from literals and other constants`);
      }
      return undefined;
    }
    if (own) {
      // An untyped const takes its type from each use; check its initializer as the type its value fits.
      const hint = want ?? (typeof value === 'boolean' ? undefined : value < 0 ? 'i32' : 'u32');
      const before = this.diags.length;
      this.expect(item.init, hint);
      if (this.diags.length > before) return undefined;
    }
    if (typeof value === 'number') {
      const range = want === 'i32' ? RANGES.i32 : want === 'u32' ? RANGES.u32 : [RANGES.i32[0], RANGES.u32[1]];
      if (value < range[0] || value > range[1]) {
        if (own) this.report(item.init.span, 'PVK005', `const '${item.name.name}' = ${value} does not fit in ${want ?? '32 bits'}`);
        return undefined;
      }
    }
    return value;
  }

  private constLookup(name: string, e: A.Expr): number | boolean {
    const item = this.table.values.get(name);
    if (item?.kind !== 'const') throw new NotConstant(e);
    const v = this.constValue(item);
    if (v === undefined) throw new NotConstant(e);
    return v;
  }

  private checkGlobal(item: A.VarItem): void {
    if (item.declared) this.expect(item.init, item.declared.name);
    else {
      const t = this.inferLocal(item.init);
      if (t) item.declared = { name: t, span: item.name.span };
    }
    try {
      const v = evalConst(item.init, (name, e) => this.constLookup(name, e));
      item.initialValue = typeof v === 'boolean' ? (v ? 1 : 0) : v >>> 0;
    } catch (e) {
      if (!(e instanceof NotConstant)) throw e;
      this.report(e.expr.span, 'PVK014', `global '${item.name.name}' needs a constant initial value (literals and consts); set it in main() instead`);
    }
  }

  /** An `abi` block: its structural rules, then its globals, helpers and handlers as hypervisor code. */
  private checkAbi(item: A.AbiItem): void {
    for (const d of abiBlockDiagnostics(item, this.table)) this.diags.push(d);
    if (item.name.name === 'xen') return;
    for (const v of item.vars) this.checkGlobal(v);
    for (const fn of item.fns) this.checkFnItem(fn);
    for (const h of item.hypercalls) if (h.handler) this.checkFnItem(h.handler);
  }

  checkParamNames(params: readonly A.Param[]): void {
    for (let i = 1; i < params.length; i++) {
      const p = params[i];
      for (let j = 0; j < i; j++) {
        if (params[j].name.name === p.name.name) {
          this.report(p.name.span, 'PVK007', `parameter '${p.name.name}' is declared twice`);
          break;
        }
      }
    }
  }

  checkFnItem(fn: A.FnItem): void {
    this.checkParamNames(fn.params);
    if (!fn.impl && fn.name.name === 'main' && (fn.params.length > 0 || (fn.ret && fn.ret.name !== 'u32'))) {
      this.report(fn.name.span, 'PVK003', `main must be 'fn main() -> u32' or 'fn main()': it takes no arguments and returns the exit code`);
    }
    if (!fn.impl && fn.name.name === 'on_event' && (fn.params.length !== 1 || fn.params[0].type.name !== 'u32' || fn.ret)) {
      this.report(fn.name.span, 'PVK003', `the event handler must be 'fn on_event(port: u32)'`);
    }
    this.fn = fn;
    this.loopDepth = 0;
    this.clearScopes();
    this.openScope();
    for (const p of fn.params) this.bind(p.name.name, { kind: 'local', decl: p });
    this.block(fn.body);
    // A handler that reaches its end returns 0 by design (spec 9.1).
    if (fn.ret && !fn.handlerOf && !this.hasSyntaxErrorIn(fn.span) && !terminates(fn.body)) {
      this.report(fn.name.span, 'PVK009', `fn ${fn.name.name} can reach its end without 'return'; it returns 0 there`);
    }
    this.clearScopes();
    this.fn = undefined;
  }

  private hasSyntaxErrorIn(span: Span): boolean {
    for (const d of this.file.syntaxDiagnostics) if (d.span.start >= span.start && d.span.start <= span.end) return true;
    return false;
  }

  private clearScopes(): void {
    this.scopeCount = 0;
    this.scopeDepth = 0;
  }

  private openScope(): void {
    const d = this.scopeDepth++;
    if (d < this.scopeStarts.length) this.scopeStarts[d] = this.scopeCount;
    else this.scopeStarts.push(this.scopeCount);
  }

  private closeScope(): void {
    if (this.scopeDepth === 0) this.scopeCount = 0;
    else this.scopeCount = this.scopeStarts[--this.scopeDepth];
  }

  /** Adds a name to the innermost scope. */
  private bind(name: string, binding: Binding): void {
    const i = this.scopeCount++;
    if (i < this.scopeNames.length) {
      this.scopeNames[i] = name;
      this.scopeBindings[i] = binding;
    } else {
      this.scopeNames.push(name);
      this.scopeBindings.push(binding);
    }
  }

  // ------------------------------------------------------------ statements

  private block(b: A.Block): void {
    this.openScope();
    for (const s of b.stmts) this.stmt(s);
    this.closeScope();
  }

  private declare(name: A.Ident, binding: Binding): void {
    const names = this.scopeNames;
    const depth = this.scopeDepth;
    const start = depth > 0 ? this.scopeStarts[depth - 1] : 0;
    let declared = false;
    for (let i = this.scopeCount - 1; i >= start; i--) {
      if (names[i] === name.name) {
        declared = true;
        break;
      }
    }
    if (declared && depth > 1) {
      this.report(name.span, 'PVK007', `'${name.name}' is already declared in this block; use another name or assign to it`);
    }
    this.bind(name.name, binding);
  }

  private stmt(s: A.Stmt): void {
    switch (s.kind) {
      case 'let': {
        const t = s.declared ? this.expect(s.init, s.declared.name) : this.inferLocal(s.init);
        s.varType = s.declared?.name ?? (t === 'void' || t === 'string' ? undefined : t);
        this.declare(s.name, { kind: 'local', decl: s });
        break;
      }
      case 'assign':
        this.assign(s);
        break;
      case 'expr':
        this.expr(s.expr, undefined, true);
        break;
      case 'if': {
        // An else-if chain in a loop: its length is not nesting.
        let link: A.IfStmt = s;
        for (;;) {
          this.expect(link.cond, 'bool');
          this.block(link.then);
          if (link.else?.kind !== 'if') break;
          link = link.else;
        }
        if (link.else) this.block(link.else);
        break;
      }
      case 'while':
        this.expect(s.cond, 'bool');
        this.loopDepth++;
        this.block(s.body);
        this.loopDepth--;
        break;
      case 'for': {
        this.expect(s.lo, 'u32');
        this.expect(s.hi, 'u32');
        this.openScope();
        this.bind(s.name.name, { kind: 'local', decl: s });
        this.loopDepth++;
        this.block(s.body);
        this.loopDepth--;
        this.closeScope();
        break;
      }
      case 'return': {
        const want = this.fn?.ret?.name;
        if (s.value && !want) {
          this.expr(s.value, undefined);
          this.report(s.value.span, 'PVK003', `fn ${this.fn?.name.name ?? ''} returns nothing; add '-> ${show(s.value.type) === 'nothing' ? 'u32' : show(s.value.type)}' to its signature or drop the value`);
        } else if (s.value && want) this.expect(s.value, want);
        else if (!s.value && want) this.report(s.span, 'PVK003', `fn ${this.fn?.name.name ?? ''} returns ${want}; write 'return <value>;'`);
        break;
      }
      case 'break':
      case 'continue':
        if (this.loopDepth === 0) this.report(s.span, 'PVK008', `'${s.kind}' can only be used inside a while or for loop`);
        break;
      case 'block':
        this.block(s);
        break;
    }
  }

  private assign(s: A.AssignStmt): void {
    let targetType: A.TypeName | undefined;
    if (s.target.kind === 'mem') {
      this.hv.memory(s.target);
      this.expect(s.target.address, 'u32');
      s.target.type = 'u32';
      if (s.op === '=') {
        // A store takes a u32 or i32 value; a negative literal is taken as i32.
        const t = this.expr(s.value, isNegativeUntyped(s.value, this) ? 'i32' : 'u32');
        if (t !== undefined && !isInt(t)) this.report(s.value.span, 'PVK003', `memory stores take a u32 or i32 value, found ${show(t)}`);
        return;
      }
      targetType = 'u32';
    } else {
      const b = this.lookup(s.target.name);
      if (!b) {
        this.unknownName(s.target);
        this.expr(s.value, undefined);
        return;
      }
      s.target.ref = b;
      if (b.kind === 'global') this.hv.global(s.target.span, b.decl);
      if (b.kind === 'const' || (b.kind === 'local' && b.decl.kind === 'for')) {
        const what = b.kind === 'const' ? 'a constant' : 'a for-loop variable';
        this.report(s.target.span, 'PVK006', `'${s.target.name}' is ${what} and cannot be assigned${b.kind === 'local' ? '; copy it into a let variable first' : ''}`);
      }
      targetType = bindingType(b);
      s.target.type = targetType;
    }
    if (s.op === '=') {
      this.expect(s.value, targetType);
      return;
    }
    if (s.op === '<<=' || s.op === '>>=') {
      const t = this.expr(s.value, undefined);
      if (t !== undefined && !isInt(t)) this.report(s.value.span, 'PVK003', `shift count must be u32 or i32, found ${show(t)}`);
    } else {
      this.expect(s.value, targetType);
    }
    if (targetType !== undefined && !isInt(targetType)) {
      this.report(s.opSpan, 'PVK003', `'${s.op}' needs an integer target, but '${s.target.kind === 'name' ? s.target.name : 'memory'}' is ${show(targetType)}`);
    }
  }

  // ------------------------------------------------------------ expressions

  /** Checks `e` where type `want` is required; reports PVK003 on a mismatch. */
  private expect(e: A.Expr, want: A.TypeName | undefined): Ty {
    const t = this.expr(e, want);
    if (want && t !== undefined && t !== want) this.mismatch(e, want, t);
    return t;
  }

  private mismatch(e: A.Expr, want: Ty, got: Ty): void {
    let hint = '';
    if (isInt(want) && isInt(got)) hint = `; convert with 'as ${want}'`;
    else if (want === 'bool' && isInt(got)) hint = `; compare it, e.g. '… != 0'`;
    else if (got === 'void') hint = ' (the call returns no value)';
    this.report(e.span, 'PVK003', `expected ${show(want)}, found ${show(got)}${hint}`);
  }

  /** The type of a `let` without a declared type, reporting values that cannot be stored. */
  private inferLocal(init: A.Expr): A.TypeName | undefined {
    const t = this.expr(init, undefined);
    if (t === 'void') {
      this.report(init.span, 'PVK003', `cannot store ${show(t)} in a variable`);
      return undefined;
    }
    return t === 'string' ? undefined : t;
  }

  /** The untyped-or-typed const that `name` means here, unless a local shadows it. */
  lookupConst(name: string): A.ConstItem | undefined {
    const b = this.lookup(name);
    if (b?.kind !== 'const') return undefined;
    this.constValue(b.decl);
    return b.decl;
  }

  private lookup(name: string): Binding | undefined {
    const names = this.scopeNames;
    for (let i = this.scopeCount - 1; i >= 0; i--) {
      if (names[i] === name) return this.scopeBindings[i];
    }
    const item = this.fn?.abi?.vars.find((v) => v.name.name === name) ?? this.table.values.get(name);
    if (item === undefined || (item.kind !== 'var' && item.kind !== 'const')) return undefined;
    let b = this.itemBindings.get(item);
    if (b === undefined) {
      b = item.kind === 'var' ? { kind: 'global', decl: item } : { kind: 'const', decl: item };
      this.itemBindings.set(item, b);
    }
    return b;
  }

  private unknownName(e: A.NameExpr): void {
    if (this.hv.kernelNames(e.span, e.name)) return;
    const item = this.table.values.get(e.name);
    if (item?.kind === 'fn' || isIntrinsic(e.name)) {
      this.report(e.span, 'PVK003', `'${e.name}' is a function; call it with '${e.name}(…)'`);
      return;
    }
    if (item?.kind === 'pvops') {
      this.report(e.span, 'PVK003', `'${e.name}' is a pvops table; call an op with '${e.name}.op(…)'`);
      return;
    }
    const names: string[] = [];
    for (let i = 0; i < this.scopeCount; i++) names.push(this.scopeNames[i]);
    for (const v of this.table.values.values()) if (v.kind === 'var' || v.kind === 'const') names.push(v.name.name);
    this.report(e.span, 'PVK002', `unknown name '${e.name}'${suggest(e.name, names)}`);
  }

  /** Types an expression with an optional type the context asks for, and annotates it. */
  private expr(e: A.Expr, hint: A.TypeName | undefined, statement = false): Ty {
    const t = this.exprInner(e, hint, statement);
    e.type = t === 'string' ? undefined : t;
    return t;
  }

  private literal(e: A.Expr, value: number, hint: A.TypeName | undefined, what: string): Ty {
    const t: IntTy = isInt(hint) ? hint : 'u32';
    if (!fits(value, t)) {
      const tip = t === 'u32' && value < 0 ? ` (use an i32, or write ${(value >>> 0).toString()} / 0x${(value >>> 0).toString(16).toUpperCase()})` : '';
      this.report(e.span, 'PVK005', `${what} ${value} does not fit in ${t}${tip}`);
    }
    return t;
  }

  private exprInner(e: A.Expr, hint: A.TypeName | undefined, statement: boolean): Ty {
    switch (e.kind) {
      case 'int':
        if (e.overflow) {
          this.report(e.span, 'PVK005', `integer literal ${this.file.source.text.slice(e.span.start, e.span.end)} does not fit in 32 bits (the largest is 4294967295 = 0xFFFFFFFF)`);
          return isInt(hint) ? hint : 'u32';
        }
        return this.literal(e, e.value, hint, 'integer literal');
      case 'bool':
        return 'bool';
      case 'string':
        // Reported here once; typed as unknown so that the context (a let, an argument, an operator) adds no second error at the same place.
        this.report(e.span, 'PVK003', 'a string can only be an argument of print(…)');
        return undefined;
      case 'name': {
        const b = this.lookup(e.name);
        if (!b) {
          this.unknownName(e);
          return undefined;
        }
        e.ref = b;
        if (b.kind === 'global') this.hv.global(e.span, b.decl);
        if (b.kind === 'const') {
          const v = this.constValue(b.decl);
          if (v === undefined) return b.decl.declared?.name;
          if (typeof v === 'boolean') return 'bool';
          if (b.decl.declared) return b.decl.declared.name;
          return this.literal(e, v, hint, `const ${e.name} =`);
        }
        return bindingType(b);
      }
      case 'unary': {
        if (e.op === '!') {
          this.expect(e.operand, 'bool');
          return 'bool';
        }
        const t = this.expr(e.operand, isInt(hint) ? hint : undefined);
        if (t !== undefined && !isInt(t)) {
          this.report(e.operand.span, 'PVK003', `'${e.op}' needs an integer operand, found ${show(t)}${e.op === '~' && t === 'bool' ? "; use '!' for bool" : ''}`);
          return undefined;
        }
        return t;
      }
      case 'binary':
        return this.binary(e, hint);
      case 'cast': {
        const t = this.expr(e.operand, undefined);
        if (e.target.name === 'bool') {
          this.report(e.target.span, 'PVK003', `cannot convert to bool with 'as'; compare instead, e.g. '(… != 0)'`);
          return 'bool';
        }
        if (t !== undefined && !isInt(t) && t !== 'bool') this.report(e.operand.span, 'PVK003', `cannot convert ${show(t)} to ${e.target.name}`);
        return e.target.name;
      }
      case 'mem':
        this.hv.memory(e);
        this.expect(e.address, 'u32');
        return 'u32';
      case 'call':
        return this.call(e, statement);
      case 'pvop': {
        const op = resolvePvopCall(this, e);
        if (!op) {
          for (const a of e.args) this.expr(a, undefined);
          return undefined;
        }
        this.args(e, op.params);
        return op.ret?.name ?? 'void';
      }
      case 'hypercall':
        return this.hypercall(e, statement);
    }
  }

  /**
   * A binary expression and the chain of binary expressions down its left
   * operands (`a + b + c …` of any length), in a loop: for each link from the
   * top, what comes before its left operand (the right operand, when an
   * untyped left side takes its type from it); then the leftmost operand;
   * then, from the bottom, the rest of each link. The same checks in the
   * same order as checking each link's left operand recursively would.
   */
  private binary(e: A.BinaryExpr, hint: A.TypeName | undefined): Ty {
    const untyped = e.left.kind === 'binary' ? new Map<A.Expr, boolean>() : undefined;
    const chain: BinaryPlan[] = [];
    let node: A.Expr = e;
    let h = hint;
    while (node.kind === 'binary') {
      const plan = this.binaryBefore(node, h, untyped);
      chain.push(plan);
      h = plan.leftHint;
      node = node.left;
    }
    let t = this.expr(node, h);
    for (let i = chain.length - 1; i >= 0; i--) {
      t = this.binaryAfter(chain[i], t);
      // What expr() does for an operand (the outermost link is the caller's).
      if (i > 0) chain[i].e.type = t === 'string' ? undefined : t;
    }
    return t;
  }

  /** A link's work before its left operand is checked, and the type its left operand is asked for. */
  private binaryBefore(e: A.BinaryExpr, hint: A.TypeName | undefined, untyped: Map<A.Expr, boolean> | undefined): BinaryPlan {
    const op = e.op;
    if (op === '&&' || op === '||') return { e, form: 'logic', leftHint: 'bool', pairHint: undefined, rightType: undefined, rightFirst: false };
    if (op === '<<' || op === '>>') return { e, form: 'shift', leftHint: isInt(hint) ? hint : undefined, pairHint: undefined, rightType: undefined, rightFirst: false };
    const comparison = op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=';
    // The two operands must agree; an untyped literal side takes the other side's type.
    const pairHint = comparison ? undefined : isInt(hint) ? hint : undefined;
    if (isUntyped(e.left, this, untyped) && !isUntyped(e.right, this)) {
      const tr = this.expr(e.right, pairHint);
      return { e, form: 'pair', leftHint: isInt(tr) ? tr : pairHint, pairHint, rightType: tr, rightFirst: true };
    }
    return { e, form: 'pair', leftHint: pairHint, pairHint, rightType: undefined, rightFirst: false };
  }

  /** The rest of a link once its left operand has type `tl`: its type. */
  private binaryAfter(plan: BinaryPlan, tl: Ty): Ty {
    const { e } = plan;
    const op = e.op;
    if (plan.form === 'logic') {
      if (tl !== undefined && tl !== 'bool') this.mismatch(e.left, 'bool', tl);
      this.expect(e.right, 'bool');
      return 'bool';
    }
    if (plan.form === 'shift') {
      const tr = this.expr(e.right, undefined);
      if (tl !== undefined && !isInt(tl)) this.report(e.left.span, 'PVK003', `'${op}' needs an integer on its left, found ${show(tl)}`);
      if (tr !== undefined && !isInt(tr)) this.report(e.right.span, 'PVK003', `shift count must be u32 or i32, found ${show(tr)}`);
      return isInt(tl) ? tl : undefined;
    }
    const comparison = op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=';
    const tr = plan.rightFirst ? plan.rightType : this.expr(e.right, isInt(tl) ? tl : plan.pairHint);
    if (tl === undefined || tr === undefined) return comparison ? 'bool' : isInt(tl) ? tl : isInt(tr) ? tr : undefined;
    if (op === '==' || op === '!=') {
      if (tl !== tr || (!isInt(tl) && tl !== 'bool')) this.report(e.opSpan, 'PVK003', `cannot compare ${show(tl)} with ${show(tr)}${isInt(tl) && isInt(tr) ? "; convert one side with 'as'" : ''}`);
      return 'bool';
    }
    if (!isInt(tl) || !isInt(tr)) {
      const bad = !isInt(tl) ? e.left : e.right;
      const badT = !isInt(tl) ? tl : tr;
      const tip = badT === 'bool' && (op === '&' || op === '|') ? `; use '${op}${op}' for bool` : '';
      this.report(bad.span, 'PVK003', `'${op}' needs integer operands, found ${show(badT)}${tip}`);
      return comparison ? 'bool' : undefined;
    }
    if (tl !== tr) {
      this.report(e.opSpan, 'PVK003', `operands of '${op}' have different types, ${tl} and ${tr}; convert one with 'as'`);
    }
    return comparison ? 'bool' : tl;
  }

  /** Checks a call's arguments against parameters (a declaration's, or an intrinsic's). */
  private args(e: A.CallExpr | A.PvopCallExpr | A.HypercallExpr, params: readonly (A.Param | IntrinsicSig['params'][number])[]): void {
    const args = e.args;
    if (args.length !== params.length) {
      this.report(e.argsSpan, 'PVK004', `${callDescription(e)} takes ${params.length} argument${params.length === 1 ? '' : 's'}, but ${args.length} ${args.length === 1 ? 'was' : 'were'} given`);
    }
    for (let i = 0; i < args.length; i++) {
      if (i < params.length) {
        const type = params[i].type;
        this.expect(args[i], typeof type === 'string' ? type : type.name);
      } else this.expr(args[i], undefined);
    }
  }

  private call(e: A.CallExpr, statement: boolean): Ty {
    const name = e.callee.name;
    if (this.fn?.abi) return this.hv.call(e, this.fn.abi);
    const item = this.table.values.get(name);
    if (item?.kind === 'fn') {
      e.target = item;
      this.args(e, item.params);
      return item.ret?.name ?? 'void';
    }
    if (isIntrinsic(name)) {
      e.target = { kind: 'intrinsic', name };
      if (name === 'print') {
        for (const a of e.args) {
          const t = a.kind === 'string' ? 'string' : this.expr(a, undefined);
          if (t === 'void') this.report(a.span, 'PVK003', 'print cannot show a call that returns nothing');
        }
        return 'void';
      }
      const sig = INTRINSICS[name];
      this.args(e, sig.params);
      intrinsicRules(this, e, name);
      return sig.ret ?? 'void';
    }
    void statement;
    const hvType = item ? null : this.hv.kernelCall(e);
    if (hvType !== null) return hvType;
    if (item) {
      this.report(e.callee.span, 'PVK003', `'${name}' is a ${item.kind === 'pvops' ? "pvops table; call an op with '" + name + ".op(…)'" : 'variable, not a function'}`);
    } else {
      const fns = [...this.table.values.values()].filter((v) => v.kind === 'fn').map((v) => v.name.name);
      this.report(e.callee.span, 'PVK002', `unknown function '${name}'${suggest(name, [...fns, ...Object.keys(INTRINSICS)])}`);
    }
    for (const a of e.args) this.expr(a, undefined);
    return undefined;
  }

  private hypercall(e: A.HypercallExpr, statement: boolean): Ty {
    this.hv.hypercall(e);
    const decl = this.abi.byName.get(e.name.name) ?? this.table.extensionHypercalls.get(e.name.name);
    if (!decl) {
      this.report(e.name.span, 'PVK010', `unknown hypercall '${e.name.name}'${suggest(e.name.name, [...this.abi.byName.keys(), ...this.table.extensionHypercalls.keys()])}`);
      for (const a of e.args) this.expr(a, undefined);
      return 'i32';
    }
    e.decl = decl;
    this.args(e, decl.params);
    hypercallRules(this, e, decl, statement);
    return decl.ret?.name ?? 'i32';
  }

}

function bindingType(b: Binding): A.TypeName | undefined {
  switch (b.kind) {
    case 'global':
      return b.decl.declared?.name;
    case 'const':
      return b.decl.declared?.name ?? (typeof b.decl.value === 'boolean' ? 'bool' : 'u32');
    case 'local':
      if (b.decl.kind === 'param') return b.decl.type.name;
      if (b.decl.kind === 'for') return 'u32';
      return b.decl.varType;
  }
}

/** True for expressions whose integer type comes from context: literals, untyped consts, and arithmetic of them. */
function isUntyped(e: A.Expr, c: { lookupConst(name: string): A.ConstItem | undefined }, known?: Map<A.Expr, boolean>): boolean {
  switch (e.kind) {
    case 'int':
      return true;
    case 'name': {
      const item = c.lookupConst(e.name);
      return item !== undefined && !item.declared && typeof item.value !== 'boolean';
    }
    case 'unary':
      return e.op !== '!' && isUntyped(e.operand, c);
    case 'binary':
      return isUntypedChain(e, c, known);
    default:
      return false;
  }
}

/**
 * isUntyped of a chain of binary expressions down the left operands, in a
 * loop, visiting operands in the order the recursive definition would
 * (`isArithmetic(op) && left && right`). `known` remembers each link's answer
 * so that asking again for a link further down the same chain is free.
 */
function isUntypedChain(e: A.BinaryExpr, c: { lookupConst(name: string): A.ConstItem | undefined }, known: Map<A.Expr, boolean> | undefined): boolean {
  const links: A.BinaryExpr[] = [];
  let node: A.Expr = e;
  let v: boolean;
  for (;;) {
    const seen = known?.get(node);
    if (seen !== undefined) {
      v = seen;
      break;
    }
    if (node.kind !== 'binary') {
      v = isUntyped(node, c);
      break;
    }
    if (!isArithmetic(node.op)) {
      v = false;
      known?.set(node, false);
      break;
    }
    links.push(node);
    node = node.left;
  }
  for (let i = links.length - 1; i >= 0; i--) {
    v = v && isUntyped(links[i].right, c);
    known?.set(links[i], v);
  }
  return v;
}

function isArithmetic(op: A.BinaryOp): boolean {
  switch (op) {
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
    case '&':
    case '|':
    case '^':
      return true;
    default:
      return false;
  }
}

/** How a call is named in PVK004: `f()`, `group.op()` or `hypercall name` (the checker has resolved it). */
function callDescription(e: A.CallExpr | A.PvopCallExpr | A.HypercallExpr): string {
  switch (e.kind) {
    case 'call':
      return `${e.callee.name}()`;
    case 'pvop':
      return `${e.pvops?.name.name ?? e.group.name}.${e.decl?.name.name ?? e.op.name}()`;
    case 'hypercall':
      return `hypercall ${e.decl?.name.name ?? e.name.name}`;
  }
}

function isNegativeUntyped(e: A.Expr, c: { lookupConst(name: string): A.ConstItem | undefined }): boolean {
  if (e.kind === 'int') return e.value < 0;
  if (e.kind === 'name') {
    const item = c.lookupConst(e.name);
    return item !== undefined && !item.declared && typeof item.value === 'number' && item.value < 0;
  }
  return false;
}

/** Whether control can never fall off the end of this statement. */
function terminates(s: A.Stmt): boolean {
  switch (s.kind) {
    case 'return':
      return true;
    case 'block':
      return s.stmts.some(terminates);
    case 'if': {
      let link: A.IfStmt = s;
      for (;;) {
        if (link.else === undefined || !terminates(link.then)) return false;
        if (link.else.kind !== 'if') return terminates(link.else);
        link = link.else;
      }
    }
    case 'while':
      return s.cond.kind === 'bool' && s.cond.value && !breaksOut(s.body);
    default:
      return false;
  }
}

function breaksOut(s: A.Stmt): boolean {
  switch (s.kind) {
    case 'break':
      return true;
    case 'block':
      return s.stmts.some(breaksOut);
    case 'if': {
      let link: A.IfStmt = s;
      for (;;) {
        if (breaksOut(link.then)) return true;
        if (link.else === undefined) return false;
        if (link.else.kind !== 'if') return breaksOut(link.else);
        link = link.else;
      }
    }
    default:
      return false; // a break inside a nested loop leaves only that loop
  }
}
