import { generateKernel } from './frontend.bench.js';
import { BenchSession } from './lspSession.js';
import { ms, summarize, type Timing } from './measure.js';

const STEADY_RUNS = 100;
const EDITED_RUNS = 30;

/**
 * Implementation, call hierarchy, document links, highlights and selection
 * ranges on the 10,000-line kernel, over stdio against dist/server.js: each
 * asked again and again of an unchanged file (steady), and once right after
 * an edit's diagnostics arrived (its indexes rebuilt for the new text).
 */
export async function benchNavigation(): Promise<void> {
  const session = new BenchSession(generateKernel(10_000));
  try {
    await session.open();
    const textDocument = { uri: session.uri };
    // Positions deep in the file (function 400 of ~900); the bench's edit is in function 0.
    const at = (needle: string, delta: number) => ({ textDocument, position: session.position(needle, delta, 400) });
    const callItem = async (needle: string, delta: number): Promise<unknown> => {
      const items = await session.request<unknown[] | null>('textDocument/prepareCallHierarchy', at(needle, delta));
      if (!items || items.length !== 1) throw new Error(`no call hierarchy item at '${needle}'`);
      return items[0];
    };
    const work = await callItem('return s + work', 'return s + w'.length);
    const op = await callItem('cpu.irq_disable', 'cpu.i'.length);
    const hypercall = await callItem('console_io', 1);
    const cases: [string, string, () => unknown][] = [
      ['implementation (pvop call)', 'textDocument/implementation', () => at('cpu.irq_disable', 'cpu.i'.length)],
      ['implementation (hypercall)', 'textDocument/implementation', () => at('console_io', 1)],
      ['prepare call hierarchy', 'textDocument/prepareCallHierarchy', () => at('return s + work', 'return s + w'.length)],
      ['incoming calls (function)', 'callHierarchy/incomingCalls', () => ({ item: work })],
      ['outgoing calls (function)', 'callHierarchy/outgoingCalls', () => ({ item: work })],
      ['incoming calls (pvop, ~900)', 'callHierarchy/incomingCalls', () => ({ item: op })],
      ['incoming calls (hypercall, ~900)', 'callHierarchy/incomingCalls', () => ({ item: hypercall })],
      ['document links', 'textDocument/documentLink', () => ({ textDocument })],
      ['highlights (global, ~900 uses)', 'textDocument/documentHighlight', () => at('ticks += 1', 1)],
      ['highlights (local)', 'textDocument/documentHighlight', () => at('s += mem32', 1)],
      ['selection range', 'textDocument/selectionRange', () => ({ textDocument, positions: [session.position('j * 4]', 0, 400)] })],
      // For comparison: an existing request that finds the name under the caret the same way.
      ['hover (existing, for comparison)', 'textDocument/hover', () => at('cpu.irq_disable', 'cpu.i'.length)],
    ];

    const steady = new Map<string, Timing>();
    const edited = new Map<string, Timing>();
    for (const [name, method, params] of cases) {
      const times: number[] = [];
      for (let i = 0; i < STEADY_RUNS; i++) {
        const t0 = performance.now();
        await session.request(method, params());
        times.push(performance.now() - t0);
      }
      steady.set(name, summarize(times));
    }
    for (const [name, method, params] of cases) {
      const times: number[] = [];
      for (let i = 0; i < EDITED_RUNS; i++) {
        await session.edit();
        const t0 = performance.now();
        await session.request(method, params());
        times.push(performance.now() - t0);
      }
      edited.set(name, summarize(times));
    }
    // Baseline: a round trip of a request the server answers without work (an unknown file).
    const baseTimes: number[] = [];
    for (let i = 0; i < STEADY_RUNS; i++) {
      const t0 = performance.now();
      await session.request('textDocument/foldingRange', { textDocument: { uri: 'file:///nonexistent.pvk' } });
      baseTimes.push(performance.now() - t0);
    }
    const b = summarize(baseTimes);
    const width = Math.max(...cases.map(([name]) => name.length)) + 2;
    console.log('\n## navigation on a 10,000-line kernel (dist/server.js over stdio; target p95 < 20 ms)');
    console.log(`  ${''.padEnd(width)}steady (${STEADY_RUNS}×)                     first after an edit (${EDITED_RUNS}×)`);
    for (const [name] of cases) {
      const s = steady.get(name) as Timing;
      const e = edited.get(name) as Timing;
      console.log(`  ${name.padEnd(width)}median ${ms(s.median)}  p95 ${ms(s.p95)}    median ${ms(e.median)}  p95 ${ms(e.p95)}`);
    }
    console.log(`  ${'empty request round trip'.padEnd(width)}median ${ms(b.median)}  p95 ${ms(b.p95)}  (baseline)`);
  } finally {
    session.close();
  }
}
