import type { Span } from './source.js';

/** The value types of pvk. `void` is the "type" of a call to a function without `->`. */
export type TypeName = 'u32' | 'i32' | 'bool';

export interface TypeRef {
  name: TypeName;
  span: Span;
}

export interface Ident {
  name: string;
  span: Span;
}

// ---------------------------------------------------------------- expressions

export type BinaryOp =
  | '||' | '&&' | '|' | '^' | '&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '<<' | '>>' | '+' | '-'
  | '*' | '/' | '%';
export type UnaryOp = '-' | '!' | '~';
export type MemWidth = 8 | 16 | 32;

interface ExprBase {
  span: Span;
  /** Filled in by the checker: the expression's type, or undefined where it could not be typed. */
  type?: TypeName | 'void';
}

export interface IntLit extends ExprBase {
  kind: 'int';
  /** Bit pattern 0 ..= 2^32-1; a negated literal (`-5`) stores its signed value. */
  value: number;
  /** The literal did not fit in 32 bits. */
  overflow?: boolean;
}
export interface BoolLit extends ExprBase {
  kind: 'bool';
  value: boolean;
}
export interface StringLit extends ExprBase {
  kind: 'string';
  value: string;
}
export interface NameExpr extends ExprBase {
  kind: 'name';
  name: string;
  /** Filled in by the checker. */
  ref?: NameRef;
}
export interface UnaryExpr extends ExprBase {
  kind: 'unary';
  op: UnaryOp;
  operand: Expr;
}
export interface BinaryExpr extends ExprBase {
  kind: 'binary';
  op: BinaryOp;
  opSpan: Span;
  left: Expr;
  right: Expr;
}
export interface CastExpr extends ExprBase {
  kind: 'cast';
  operand: Expr;
  target: TypeRef;
}
export interface CallExpr extends ExprBase {
  kind: 'call';
  callee: Ident;
  args: Expr[];
  argsSpan: Span;
  /** Filled in by the checker. */
  target?: FnItem | IntrinsicRef;
}
export interface PvopCallExpr extends ExprBase {
  kind: 'pvop';
  group: Ident;
  op: Ident;
  args: Expr[];
  argsSpan: Span;
  /** Filled in by the checker. */
  decl?: PvopSig;
  pvops?: PvopsItem;
}
export interface HypercallExpr extends ExprBase {
  kind: 'hypercall';
  keywordSpan: Span;
  name: Ident;
  args: Expr[];
  argsSpan: Span;
  /** Filled in by the checker. */
  decl?: HypercallDecl;
}
export interface MemExpr extends ExprBase {
  kind: 'mem';
  width: MemWidth;
  address: Expr;
}

export type Expr =
  | IntLit | BoolLit | StringLit | NameExpr | UnaryExpr | BinaryExpr | CastExpr | CallExpr
  | PvopCallExpr | HypercallExpr | MemExpr;

export interface IntrinsicRef {
  kind: 'intrinsic';
  name: string;
}

/** What a name in an expression or assignment target refers to. */
export type NameRef =
  | { kind: 'local'; decl: LetStmt | ForStmt | Param }
  | { kind: 'global'; decl: VarItem }
  | { kind: 'const'; decl: ConstItem };

// ---------------------------------------------------------------- statements

interface StmtBase {
  span: Span;
}

export interface LetStmt extends StmtBase {
  kind: 'let';
  name: Ident;
  declared?: TypeRef;
  init: Expr;
  /** Filled in by the checker: the local's type. */
  varType?: TypeName;
}
export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '&=' | '|=' | '^=' | '<<=' | '>>=';
export interface AssignStmt extends StmtBase {
  kind: 'assign';
  target: NameExpr | MemExpr;
  op: AssignOp;
  opSpan: Span;
  value: Expr;
}
export interface ExprStmt extends StmtBase {
  kind: 'expr';
  expr: Expr;
}
export interface IfStmt extends StmtBase {
  kind: 'if';
  cond: Expr;
  then: Block;
  /** `else if` is an `IfStmt` here. */
  else?: Block | IfStmt;
}
export interface WhileStmt extends StmtBase {
  kind: 'while';
  cond: Expr;
  body: Block;
}
export interface ForStmt extends StmtBase {
  kind: 'for';
  name: Ident;
  lo: Expr;
  hi: Expr;
  body: Block;
}
export interface ReturnStmt extends StmtBase {
  kind: 'return';
  value?: Expr;
}
export interface BreakStmt extends StmtBase {
  kind: 'break' | 'continue';
}
export interface Block extends StmtBase {
  kind: 'block';
  stmts: Stmt[];
}

export type Stmt = LetStmt | AssignStmt | ExprStmt | IfStmt | WhileStmt | ForStmt | ReturnStmt | BreakStmt | Block;

// ---------------------------------------------------------------- items

export interface Param {
  kind: 'param';
  name: Ident;
  type: TypeRef;
  span: Span;
}

interface ItemBase {
  span: Span;
  /** The file that holds the item. */
  file: string;
}

export interface ImportItem extends ItemBase {
  kind: 'import';
  path: string;
  pathSpan: Span;
}
export interface ConstItem extends ItemBase {
  kind: 'const';
  name: Ident;
  declared?: TypeRef;
  init: Expr;
  /** Filled in by the checker: the value (a bool, or an exact integer). */
  value?: number | boolean;
}
export interface VarItem extends ItemBase {
  kind: 'var';
  name: Ident;
  /** Written by the user, or filled in by the checker from the initializer. */
  declared?: TypeRef;
  init: Expr;
  /** Filled in by the checker: the initial bit pattern (bool → 0/1). */
  initialValue?: number;
  /** Set for hypervisor globals, declared inside an `abi` block (one copy per machine). */
  abi?: AbiItem;
}
export interface FnItem extends ItemBase {
  kind: 'fn';
  name: Ident;
  params: Param[];
  ret?: TypeRef;
  body: Block;
  /** Set for functions inside an `impl G for P` block. */
  impl?: ImplItem;
  /** Set for hypervisor code: helpers inside an `abi` block and hypercall handlers. */
  abi?: AbiItem;
  /** Set for a hypercall's handler (its name, parameters and return type are the hypercall's). */
  handlerOf?: HypercallDecl;
}
export interface PvopSig {
  kind: 'pvop-sig';
  name: Ident;
  params: Param[];
  ret?: TypeRef;
  span: Span;
}
export interface PvopsItem extends ItemBase {
  kind: 'pvops';
  name: Ident;
  ops: PvopSig[];
}
export interface ImplItem extends ItemBase {
  kind: 'impl';
  group: Ident;
  platform: Ident;
  fns: FnItem[];
}

/** A `system` or `domain` property: `name value* ;` — validated by the checker. */
export interface PropValue {
  kind: 'int' | 'ident' | 'string' | 'version';
  text: string;
  value: number;
  span: Span;
  overflow?: boolean;
}
export interface Property {
  name: Ident;
  values: PropValue[];
  span: Span;
}
export interface DomainDecl {
  name: Ident;
  props: Property[];
  span: Span;
}
export interface SystemItem extends ItemBase {
  kind: 'system';
  name: Ident;
  props: Property[];
  domains: DomainDecl[];
}

export type HypercallClass = 'stable' | 'dom0';
export interface HypercallDecl {
  name: Ident;
  params: Param[];
  ret?: TypeRef;
  number: number;
  cls: HypercallClass;
  /** e.g. "3.0" */
  since: string;
  cost: number;
  /** Comment lines directly above the declaration. */
  doc: string;
  span: Span;
  file: string;
  /** The name of the `abi` block that declares it: `xen` for the built-in table, else an extension. */
  table: string;
  numberSpan: Span;
  /** The handler of an extension hypercall (`… cost N { body }`); the built-in table has none. */
  handler?: FnItem;
}
export interface AbiItem extends ItemBase {
  kind: 'abi';
  name: Ident;
  hypercalls: HypercallDecl[];
  /** Hypervisor globals of an extension, in order. */
  vars: VarItem[];
  /** Hypervisor helper functions of an extension, in order. */
  fns: FnItem[];
}

export type Item = ImportItem | ConstItem | VarItem | FnItem | PvopsItem | ImplItem | SystemItem | AbiItem;

export interface FileAst {
  file: string;
  items: Item[];
}
