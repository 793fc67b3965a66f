/**
 * A kernel whose function is one `else if` chain of 20,000 branches (a
 * generated decoder), over stdio against the built server: the chain's
 * length is not nesting, so completion, hovers, navigation and the profile's
 * inlay hints and lenses walk it without running out of stack: each answers,
 * and the server logs no failure (a RangeError caught by a handler would
 * otherwise answer "nothing" silently).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CodeLens, CompletionItem, Hover, InlayHint, Location, MarkupContent, SelectionRange } from 'vscode-languageserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskHost } from '../../sandbox/lang/fileHost';
import { Workspace } from '../../sandbox/lang/program';
import { profileSystem } from '../../sandbox/profile/profileSystem';
import { LspClient, pos, removeDir, uri } from './helpers';

const BRANCHES = 20_000;

/** `classify(x)`: one `if` and BRANCHES - 1 `else if` links, then an `else` that makes a hypercall. */
function chainKernel(): string {
  const lines = ['fn classify(x: u32) -> u32 {', '    let r: u32 = 0;', '    if (x == 0) {', '        r = 1;'];
  for (let i = 1; i < BRANCHES; i++) lines.push(`    } else if (x == ${i}) {`, `        r = ${i % 7};`);
  lines.push('    } else {', '        r = hypercall xen_version(0) as u32;', '    }', '    return r;', '}', '', 'fn main() -> u32 {', `    return classify(${BRANCHES});`, '}', '');
  return lines.join('\n');
}

let dir: string;
let client: LspClient;
let kernel: string;
let text: string;

const td = (): { textDocument: { uri: string } } => ({ textDocument: { uri: uri(kernel) } });
/** Where the final `else` calls the hypervisor: 20,000 links down the chain. */
const deep = (delta = 0): { line: number; character: number } => pos(text, 'r = hypercall xen_version', delta);
/** Handler failures and crashes the server logged. */
const failures = (): string[] => client.logs.map((l) => l.message).filter((m) => /failed|RangeError|stack/i.test(m));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pvlab-lsp-chain-'));
  kernel = path.join(dir, 'chain.pvk');
  text = chainKernel();
  writeFileSync(kernel, text);
  writeFileSync(path.join(dir, 'system.pvk'), 'system chain {\n    hypervisor 4.2;\n    domain kernel { kernel "chain.pvk"; memory 16; privileged; }\n}\n');
  client = new LspClient();
  await client.start(dir, { workspace: { inlayHint: { refreshSupport: true }, codeLens: { refreshSupport: true } } });
  client.open(kernel, text);
  expect((await client.diagnosticsFor(kernel)).diagnostics).toEqual([]);
}, 60_000);

afterAll(async () => {
  await client?.stop();
  removeDir(dir);
});

describe('a 20,000-branch else-if chain', () => {
  it('completion inside the last branch offers the local and the parameter', async () => {
    const items = await client.request<CompletionItem[]>('textDocument/completion', { ...td(), position: deep() });
    const labels = items.map((i) => i.label);
    expect(labels).toContain('r');
    expect(labels).toContain('x');
    expect(labels).toContain('classify');
  });

  it('hover, definition and references of the local at the end of the chain', async () => {
    const hover = await client.request<Hover | null>('textDocument/hover', { ...td(), position: deep() });
    expect((hover?.contents as MarkupContent | undefined)?.value).toContain('let r: u32');
    const def = await client.request<Location[] | Location | null>('textDocument/definition', { ...td(), position: deep() });
    const target = Array.isArray(def) ? def[0] : def;
    expect(target?.range.start.line).toBe(pos(text, 'let r: u32').line);
    const refs = await client.request<Location[]>('textDocument/references', { ...td(), position: deep(), context: { includeDeclaration: true } });
    // the declaration, one assignment per branch and the else, and the return
    expect(refs.length).toBe(1 + BRANCHES + 1 + 1);
  });

  it('the other per-file features answer over the chain', async () => {
    const symbols = await client.request<{ name: string }[]>('textDocument/documentSymbol', td());
    expect(symbols.map((s) => s.name)).toEqual(['classify', 'main']);
    const tokens = await client.request<{ data: number[] }>('textDocument/semanticTokens/full', td());
    expect(tokens.data.length).toBeGreaterThan(BRANCHES * 5);
    const folds = await client.request<unknown[]>('textDocument/foldingRange', td());
    expect(folds.length).toBeGreaterThan(BRANCHES);
    // expand selection: the name, the statement, the branch, the last link, the whole chain, ... the file
    const [range] = await client.request<SelectionRange[]>('textDocument/selectionRange', { ...td(), positions: [deep(1)] });
    const starts: number[] = [];
    for (let r: SelectionRange | undefined = range; r; r = r.parent) starts.push(r.range.start.line);
    expect(starts.length).toBeLessThan(12);
    expect(starts).toContain(deep().line - 1);
    expect(starts).toContain(pos(text, 'if (x == 0)').line);
    const highlights = await client.request<unknown[]>('textDocument/documentHighlight', { ...td(), position: deep() });
    expect(highlights.length).toBe(1 + BRANCHES + 1 + 1);
  });

  it("a profile's inlay hints and lenses cover the hypercall at the end of the chain", async () => {
    const r = profileSystem(new Workspace(diskHost), { file: path.join(dir, 'system.pvk'), system: 'chain', options: { maxCycles: 1_000_000_000 } });
    if (!r.ok) throw new Error(r.message);
    const refreshes = (): number => client.refreshes.filter((m) => m === 'workspace/inlayHint/refresh').length;
    // every line the profile has numbers for (pvlab.hints: all), then the profile; each asks for fresh hints
    const before = refreshes();
    client.notify('workspace/didChangeConfiguration', { settings: { pvlab: { hints: 'all' } } });
    await client.refreshed('workspace/inlayHint/refresh', before + 1);
    client.notify('pvlab/profileLoaded', { profile: JSON.parse(JSON.stringify(r.profile)) });
    await client.refreshed('workspace/inlayHint/refresh', before + 2);
    const hints = await client.request<InlayHint[]>('textDocument/inlayHint', { ...td(), range: { start: { line: 0, character: 0 }, end: { line: 2 * BRANCHES + 20, character: 0 } } });
    const label = (h: InlayHint): string => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join(''));
    const onDeep = hints.filter((h) => h.position.line === deep().line).map(label);
    expect(onDeep.join(' ')).toMatch(/cycles/);
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', td());
    expect(lenses.some((l) => l.command?.title.startsWith('$(watch)') && l.range.start.line === 0)).toBe(true);
  }, 60_000);

  it('no handler failed and no stack overflow was logged', () => {
    expect(client.alive).toBe(true);
    expect(failures()).toEqual([]);
  });
});
