/**
 * Completion and signature help (test/fixtures/lsp/context): hypercalls with
 * argument snippets, pvops ops, what is in scope inside a function, and the
 * properties of systems and domains.
 */
import * as path from 'node:path';
import type { CompletionItem, CompletionList, Position, SignatureHelp } from 'vscode-languageserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, LspClient, pos, read, removeDir, uri } from './helpers';

let dir: string;
let client: LspClient;
let kernel: string;
let system: string;
let kernelText: string;
let systemText: string;
let version = 1;

beforeAll(async () => {
  dir = copyFixture('context');
  kernel = path.join(dir, 'kernel.pvk');
  system = path.join(dir, 'system.pvk');
  kernelText = read(kernel);
  systemText = read(system);
  client = new LspClient();
  await client.start(dir);
  client.open(kernel, kernelText);
  client.open(system, systemText);
});

afterAll(async () => {
  await client?.stop();
  removeDir(dir);
});

async function complete(file: string, text: string, position: Position): Promise<CompletionItem[]> {
  client.change(file, text, ++version);
  const r = await client.request<CompletionItem[] | CompletionList | null>('textDocument/completion', { textDocument: { uri: uri(file) }, position });
  expect(r).not.toBeNull();
  return Array.isArray(r) ? r : (r as CompletionList).items;
}

const labels = (items: CompletionItem[]): string[] => items.map((i) => i.label);
/** The kernel with `line` inserted as a new line before `let after`. */
const withLine = (line: string): string => kernelText.replace('    let after', `    ${line}\n    let after`);

describe('completion', () => {
  it('after `hypercall ` lists every hypercall with an argument snippet', async () => {
    const text = withLine('let z = hypercall ');
    const items = await complete(kernel, text, pos(text, 'hypercall \n', 'hypercall '.length));
    expect(labels(items).sort()).toEqual(
      ['console_io', 'domctl', 'event_channel_op', 'grant_table_op', 'memory_op', 'multicall', 'sched_op', 'set_pat', 'set_timer_op', 'sysctl', 'vcpu_op', 'xen_version'].sort(),
    );
    const domctl = items.find((i) => i.label === 'domctl') as CompletionItem;
    expect(domctl.insertTextFormat).toBe(2); // snippet
    expect(domctl.insertText).toBe('domctl(${1:cmd}, ${2:domid}, ${3:arg})');
    expect(domctl.detail).toContain('#36');
    const set = items.find((i) => i.label === 'set_pat') as CompletionItem;
    expect(set.insertText).toBe('set_pat(${1:value})');
  });

  it('after `hypercall` with a typed prefix still lists the hypercalls', async () => {
    const text = withLine('hypercall dom');
    const items = await complete(kernel, text, pos(text, 'hypercall dom\n', 'hypercall dom'.length));
    expect(labels(items)).toContain('domctl');
    expect(labels(items)).not.toContain('before');
  });

  it('after `cpu.` lists the ops of the table, with snippets', async () => {
    const text = withLine('cpu.');
    const items = await complete(kernel, text, pos(text, 'cpu.\n', 4));
    expect(labels(items).sort()).toEqual(['irq_disable', 'irq_enable', 'load_cr3']);
    const load = items.find((i) => i.label === 'load_cr3') as CompletionItem;
    expect(load.insertTextFormat).toBe(2);
    expect(load.insertText).toBe('load_cr3(${1:v})');
  });

  it('inside a function: locals declared before, globals (also imported), functions, intrinsics; not later locals', async () => {
    // the blank line before `let after` (valid text)
    const items = await complete(kernel, kernelText, { line: pos(kernelText, '    let after').line - 1, character: 4 });
    const l = labels(items);
    for (const name of ['before', 'r', 'boots', 'calls', 'helper', 'main', 'cpu', 'outb', 'cli', 'rdtsc', 'print', 'xen_domain']) expect(l, name).toContain(name);
    expect(l).not.toContain('after'); // declared after the cursor
    expect(l).not.toContain('x'); // helper's parameter, not in scope here
    expect(l).not.toContain('domctl'); // hypercalls only after `hypercall`
    expect(items.find((i) => i.label === 'before')?.detail).toBe('u32');
    const outb = items.find((i) => i.label === 'outb') as CompletionItem;
    expect(outb.insertText).toMatch(/^outb\(\$\{1:\w+\}, \$\{2:\w+\}\)$/);
  });

  it('inside a function while typing a name: the same candidates', async () => {
    const text = withLine('bo');
    const items = await complete(kernel, text, pos(text, '    bo\n', 6));
    const l = labels(items);
    expect(l).toContain('boots');
    expect(l).toContain('before');
    expect(l).not.toContain('after');
  });

  it('inside a function: locals of blocks that closed before the cursor are out of scope', async () => {
    // spec 2: locals are block-scoped; `inner` and `j` are gone after their blocks
    const text = withLine('if (before > 0) { let inner: u32 = 1; boots += inner; }\n    for j in 0..2 { let body: u32 = j; boots += body; }\n    ');
    const items = await complete(kernel, text, { line: pos(text, '    let after').line - 1, character: 4 });
    const l = labels(items);
    expect(l).toContain('before');
    expect(l).not.toContain('j');
    expect(l).not.toContain('inner');
    expect(l).not.toContain('body');
  });

  it('inside a system block: the system properties', async () => {
    const text = systemText.replace('    hypervisor 4.2;\n', '    hypervisor 4.2;\n    \n');
    const items = await complete(system, text, pos(text, '    hypervisor 4.2;\n    \n', '    hypervisor 4.2;\n    '.length));
    const l = labels(items);
    for (const p of ['hypervisor', 'pcpus', 'timeslice', 'patch_pvops', 'domain']) expect(l).toContain(p);
    for (const p of ['kernel', 'memory', 'privileged', 'mode']) expect(l).not.toContain(p);
  });

  it('inside a domain block: the domain properties', async () => {
    const text = systemText;
    const items = await complete(system, text, pos(text, 'memory 16; mode pv;', 'memory 16; '.length));
    const l = labels(items);
    for (const p of ['kernel', 'memory', 'vcpus', 'privileged', 'mode', 'weight', 'cap', 'paused']) expect(l).toContain(p);
    for (const p of ['hypervisor', 'pcpus', 'timeslice']) expect(l).not.toContain(p);
  });
});

describe('signature help', () => {
  it('inside a hypercall call: its parameters and the active one', async () => {
    const text = withLine('let z = hypercall domctl(5, ');
    client.change(kernel, text, ++version);
    const help = await client.request<SignatureHelp | null>('textDocument/signatureHelp', { textDocument: { uri: uri(kernel) }, position: pos(text, 'domctl(5, \n', 'domctl(5, '.length) });
    expect(help?.signatures[0].label).toContain('domctl(cmd: u32, domid: u32, arg: u32)');
    expect(help?.activeParameter).toBe(1);
  });

  it('inside a function call across an import', async () => {
    client.change(kernel, kernelText, ++version);
    const help = await client.request<SignatureHelp | null>('textDocument/signatureHelp', { textDocument: { uri: uri(kernel) }, position: pos(kernelText, 'helper(before)', 'helper('.length) });
    expect(help?.signatures[0].label).toContain('fn helper(x: u32) -> u32');
    expect(help?.activeParameter).toBe(0);
  });
});
