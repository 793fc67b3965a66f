/**
 * The profiling engine's cycle attribution, generated alongside the fast
 * engine's coalesced cycle count (codegen.ts): every cost the count takes
 * also goes to the statement position it belongs to in the frame's call-tree
 * node (`LN`, see vm/profiling.ts), without the generated code having to
 * look at the count at each statement.
 *
 * Static costs join the count in coalesced amounts (`c += K` where control
 * joins or leaves); the attribution keeps, beside that pending amount, which
 * positions it is made of, and adds them where the amount is added: in a
 * loop as one counter of how often that block ran (`q<id> += 1`, its
 * positions and cycles known here), written back into `LN` when the frame
 * leaves; outside loops straight into `LN`. A cost whose position only the
 * runtime knows (the frame's `cu`) goes to `LN[cu]` before `cu` changes.
 * A helper that faults with an amount pending records its site in `R.fs`;
 * the frame's catch adds that site's pending positions, known here.
 *
 * Every static attribution is a block: the (position, cycles) pairs one
 * settle adds, and a fresh call's entry into its callee's node. The code
 * counts how often each block ran in the node's `BC` (one increment where a
 * block of several positions used to write each), and the profiler turns
 * the counts into positions' cycles and callees' counts when the run ends
 * (see BlockTable).
 */

/** A position only the runtime knows: the frame's `cu`. */
export const AT_CU = -1;

/** A fresh call of function `fn` in a block: the callee's node is entered once (see BlockTable). */
export const callOf = (fn: number): number => -2 - fn;
/** The function a block's call entry `callOf(fn)` calls. */
export const calledFn = (at: number): number => -2 - at;

/**
 * The blocks of one function, shared by its fresh-call and resumable
 * versions (a node's counts `BC` serve both): block `i` is `blocks[i]`,
 * flat pairs (position, cycles), a call of `fn` as (callOf(fn), 1).
 */
export class BlockTable {
  readonly blocks: number[][] = [];
  private readonly ids = new Map<string, number>();

  /** The id of a block (made on first use). */
  id(block: Block): number {
    const key = blockKey(block);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.blocks.length;
      this.blocks.push(block.flat());
      this.ids.set(key, id);
    }
    return id;
  }
}

/** Where settleCall() leaves block `n` to be counted (see resolve()). */
const aheadMark = (n: number): string => `\u0001${n}\u0001`;

/** A counter's name in generated code: a local `q<id>`, or `QV[<id>]` when the function has many (see ProfileAttribution). */
const counterName = (id: number, inArray: boolean): string => (inArray ? `QV[${id}]` : `q${id}`);

/** What one counter counts: cycles per position each time its block runs. */
type Block = [position: number, cycles: number][];

/** A block's text: blocks with the same pairs in the same order share a block id or a counter. */
const blockKey = (block: Block): string => block.map(([p, k]) => `${p}:${k}`).join(',');

/** One function's attribution while its code is generated. */
export class ProfileAttribution {
  /** Costs taken but not yet attributed, by position (AT_CU: the runtime's `cu`). */
  private pending = new Map<number, number>();
  /** Loop counters by what they count (a key of their block), in order of first use. */
  private readonly counters = new Map<string, { id: number; block: Block }>();
  /** Per fault site with costs pending there: those costs. */
  private readonly faults: [site: number, pending: Map<number, number>][] = [];
  private readonly faultSites = new Set<number>();
  /** Fresh calls' blocks that may be counted together with the next one's (see settleCall()), and the one still open. */
  private readonly ahead: { block: Block; next: Block | null }[] = [];
  private open = -1;

  /**
   * `inArray`: the counters live in an array `QV` (a function with more than
   * fit in locals is generated again with it: see tooManyCounters()).
   */
  constructor(
    private readonly inArray = false,
    private readonly table = new BlockTable(),
  ) {}

  /** A cost of `cycles` taken at `position` (AT_CU, or a negative: the runtime's `cu`), added to `c` later or now. */
  take(position: number, cycles: number): void {
    const at = position >= 0 ? position : AT_CU;
    this.pending.set(at, (this.pending.get(at) ?? 0) + cycles);
  }

  /** A fresh call of `fn` about to enter its node: counted with the next settle(), which must come before the call. */
  called(fn: number): void {
    this.pending.set(callOf(fn), 1);
  }

  /** An expression attributing `cycles` taken now at `position` (a cost `c` took at once). */
  now(position: number, cycles: number, inLoop: boolean): string {
    if (position < 0) return `LN[cu] += ${cycles}`;
    if (!inLoop) return `${this.blockCount([[position, cycles]])} += 1`;
    return `${this.counter([[position, cycles]])} += 1`;
  }

  /**
   * Statements attributing what is pending (and clearing it): through a
   * block counter inside a loop unless `direct`, else straight into `LN`.
   */
  settle(inLoop: boolean, direct = false): string {
    if (this.pending.size === 0) return '';
    const code: string[] = [];
    const block: Block = [];
    for (const [position, cycles] of this.pending) {
      if (position === AT_CU) code.push(`LN[cu] += ${cycles};`);
      else block.push([position, cycles]);
    }
    if (block.length > 0) code.push(`${inLoop && !direct ? this.counter(block) : this.blockCount(block)} += 1;`);
    this.pending = new Map();
    return code.join(' ');
  }

  /**
   * settle() before a fresh call, in a fresh-call version outside loops.
   * Where the next such call follows along straight code, the first one
   * counts both calls' blocks as one (one increment instead of two) and
   * sets `ob` to the second's block until the second call is reached: a
   * frame leaving in between (a suspension or fault) takes that count back
   * (see writeBack()).
   */
  settleCall(): string {
    const code: string[] = [];
    const block: Block = [];
    for (const [position, cycles] of this.pending) {
      if (position === AT_CU) code.push(`LN[cu] += ${cycles};`);
      else block.push([position, cycles]);
    }
    this.pending = new Map();
    if (this.open >= 0) {
      (this.ahead[this.open] as { next: Block | null }).next = block;
      this.open = -1;
      code.push('ob = -1;');
    } else {
      this.open = this.ahead.length;
      this.ahead.push({ block, next: null });
      code.push(aheadMark(this.open));
    }
    return code.join(' ');
  }

  /** Control may join or branch here: no call's block is counted ahead past it. */
  straightEnds(): void {
    this.open = -1;
  }

  /** The code with each settleCall() block counted, alone or with the next one's. */
  resolve(code: string): string {
    return code.replace(/\u0001(\d+)\u0001/g, (_, n: string) => {
      const { block, next } = this.ahead[Number(n)];
      if (next === null) return `${this.blockCount(block)} += 1;`;
      const both = new Map<number, number>();
      for (const [p, k] of [...block, ...next]) both.set(p, (both.get(p) ?? 0) + k);
      return `${this.blockCount([...both])} += 1; ob = ${this.table.id(next)};`;
    });
  }

  /** The `ob` local when some call's block is counted ahead (see settleCall()). */
  aheadDeclarations(): string[] {
    return this.ahead.some((a) => a.next !== null) ? ['ob = -1'] : [];
  }

  /** Before `cu` changes (a boundary): what is pending at `cu` goes there now. */
  beforeCuChanges(): string {
    const cycles = this.pending.get(AT_CU);
    if (cycles === undefined) return '';
    this.pending.delete(AT_CU);
    return `LN[cu] += ${cycles};`;
  }

  /** Whether nothing is pending. */
  get clean(): boolean {
    return this.pending.size === 0;
  }

  /** What is pending, to be restored on a path that did not settle it (see restore()). */
  save(): Map<number, number> {
    return new Map(this.pending);
  }

  restore(saved: Map<number, number>): void {
    this.pending = new Map(saved);
  }

  /**
   * A helper at fault site `site` may throw with what is pending now taken but
   * not attributed. A site met again (the unchecked copy of a counted loop,
   * made from the same statements) has the same costs pending there.
   */
  faultSite(site: number): void {
    if (this.pending.size === 0 || this.faultSites.has(site)) return;
    this.faultSites.add(site);
    this.faults.push([site, new Map(this.pending)]);
  }

  /** The catch's part: a fault a helper of this frame raised (`R.fs`) attributes what was pending at its site. */
  faultCode(): string {
    const cases = this.faults.map(([site, pending]) => {
      const block = [...pending].filter(([p]) => p !== AT_CU);
      const atCu = pending.get(AT_CU);
      const code = [...(atCu === undefined ? [] : [`LN[cu] += ${atCu};`]), ...(block.length === 0 ? [] : [`${this.blockCount(block)} += 1;`])];
      return `case ${site}: ${code.join(' ')} break;`;
    });
    return cases.length === 0 ? 'R.fs = -1;' : `if (R.fs >= 0) { switch (R.fs) { ${cases.join(' ')} } R.fs = -1; }`;
  }

  /** Adds the loop counters into the node's block counts `BC`, and takes back a block counted ahead (where the frame leaves). */
  writeBack(): string {
    const counters = [...this.counters.values()].map(({ id, block }) => `${this.blockCount(block)} += ${counterName(id, this.inArray)};`);
    if (this.ahead.some((a) => a.next !== null)) counters.push('if (ob >= 0) BC[ob] -= 1;');
    return counters.join(' ');
  }

  /** Whether there are more counters than `registerLimit` locals (then the function is generated again with them in an array). */
  tooManyCounters(registerLimit: number): boolean {
    return !this.inArray && this.counters.size > registerLimit;
  }

  /**
   * Declarations of the counters for the function's `let` (none when they
   * live in an array). Each starts at -0, a number that is not a small
   * integer: V8 then keeps the counter as an untagged double in the loop
   * (one add; exact to 2^53), where a counter starting at 0 was kept as a
   * tagged small integer (untag, check, add, overflow check, tag again each
   * time round, in the loops V8 compiles on entry). Adding -0 to a block
   * count leaves it as it was.
   */
  declarations(): string[] {
    return this.inArray ? [] : [...this.counters.values()].map(({ id }) => `${counterName(id, false)} = -0`);
  }

  /** The counters' array, when they live in one. */
  array(): string {
    return this.inArray ? `const QV = new Float64Array(${this.counters.size});` : '';
  }

  /** The node's count of a block (see BlockTable). */
  private blockCount(block: Block): string {
    return `BC[${this.table.id(block)}]`;
  }

  private counter(block: Block): string {
    const key = blockKey(block);
    let c = this.counters.get(key);
    if (c === undefined) {
      c = { id: this.counters.size, block };
      this.counters.set(key, c);
    }
    return counterName(c.id, this.inArray);
  }
}
