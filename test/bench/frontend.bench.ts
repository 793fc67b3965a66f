import { analyze } from '../../sandbox/lang/analysis.js';
import { formatPvk } from '../../sandbox/lang/format.js';
import { Workspace } from '../../sandbox/lang/program.js';
import { measure, ms } from './measure.js';

/** A generated kernel of about `lines` lines exercising every statement form. */
export function generateKernel(lines: number): string {
  const out: string[] = [
    'const PAGE = 4096;',
    'var ticks: u32 = 0;',
    'pvops cpu { fn irq_disable(); fn load_cr3(v: u32); }',
    'impl cpu for native { fn irq_disable() { cli(); } fn load_cr3(v: u32) { write_cr3(v); } }',
    'impl cpu for xen { fn irq_disable() { mem8[vcpu_info()] = 1; } fn load_cr3(v: u32) { hypercall sched_op(0, v); } }',
  ];
  let i = 0;
  while (out.length < lines - 5) {
    out.push(
      `fn work${i}(a: u32, b: i32) -> u32 {`,
      `    let s: u32 = a * 3 + (b as u32) / 2;`,
      `    for j in 0..16 {`,
      `        if ((s & 1) == 1 && j < 8) { s += mem32[PAGE + j * 4]; } else { s = s ^ (j << 2); }`,
      `    }`,
      `    while (s > 1000) { s -= 17; ticks += 1; }`,
      `    let r = hypercall console_io(0, 4, PAGE);`,
      `    if (r < 0) { print("failed: ", r); }`,
      `    cpu.irq_disable();`,
      `    return s + work${Math.max(0, i - 1)}(a, b - 1);`,
      `}`,
    );
    i++;
  }
  out.push('fn main() -> u32 {', '    return work0(1, 2);', '}');
  return out.join('\n') + '\n';
}

/** A JSON document of about the same size, as the machine-independent baseline. */
function jsonOfSize(bytes: number): string {
  const items: string[] = [];
  let size = 2;
  for (let i = 0; size < bytes; i++) {
    const item = JSON.stringify({ id: i, name: `work${i}`, params: ['a', 'b'], cost: i * 3, tags: ['loop', 'hypercall'] });
    items.push(item);
    size += item.length + 1;
  }
  return `[${items.join(',')}]`;
}

export function benchFrontend(): void {
  const text = generateKernel(10_000);
  const lines = text.split('\n').length - 1;
  const json = jsonOfSize(text.length);
  const file = '/bench/kernel.pvk';
  let errors = 0;
  // More warm-up and runs than the default: the first runs of a fresh process
  // still compile and tune the heap, and a run that meets a major GC is an
  // outlier either way; the median of 25 is steady from one `npm run bench` to the next.
  const settings = { warmup: 10, runs: 25 };
  const parseCheck = measure(() => {
    // A fresh workspace each run: nothing is cached between runs.
    const ws = new Workspace({ readFile: (f) => (f === file ? text : undefined) });
    const result = analyze(ws, [file]);
    errors = (result.diagnostics.get(file) ?? []).filter((d) => d.severity === 'error').length;
  }, settings);
  const format = measure(() => formatPvk(text), settings);
  const baseline = measure(() => JSON.parse(json), settings);
  console.log('\n## front-end: parse + check of a generated kernel');
  console.log(`  input: ${lines} lines, ${(text.length / 1024).toFixed(0)} KiB, ${errors} errors`);
  console.log(`  parse+check   median ${ms(parseCheck.median)}  p95 ${ms(parseCheck.p95)}  ${Math.round(lines / (parseCheck.median / 1000)).toLocaleString('en-US')} lines/s  (target < 50 ms; ${parseCheck.runs} runs after ${settings.warmup} warm-up)`);
  console.log(`  format        median ${ms(format.median)}  p95 ${ms(format.p95)}  (${(format.median / baseline.median).toFixed(1)}× the baseline; target < 100 ms)`);
  console.log(`  JSON.parse    median ${ms(baseline.median)} of a same-size JSON document (baseline)`);
  console.log(`  ratio         ${(parseCheck.median / baseline.median).toFixed(1)}× the baseline`);
  if (errors > 0) throw new Error('the generated kernel should check without errors');
}
