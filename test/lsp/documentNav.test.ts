/**
 * Document links (import and kernel paths), document highlights (read and
 * write) and selection ranges (name → expression → statement → block →
 * function → file), on test/fixtures/lsp/nav.
 */
import { writeFileSync } from 'node:fs';
import type { DocumentHighlight, DocumentLink, Position, SelectionRange } from 'vscode-languageserver';
import { DocumentHighlightKind } from 'vscode-languageserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, pos, rangeOf, settle, textIn } from './helpers';
import { NavFixture } from './navFixture';

const nav = new NavFixture();

beforeAll(() => nav.start(['guest.pvk', 'links.pvk']));
afterAll(() => nav.stop());

const { Read, Write } = DocumentHighlightKind;

async function links(name: string): Promise<[string, string][]> {
  const list = await nav.client.request<DocumentLink[] | null>('textDocument/documentLink', { textDocument: { uri: nav.uri(name) } });
  return (list ?? []).map((l) => [textIn(nav.text(name), l.range), l.target ?? '']);
}

/** Each highlight as [text at its range, line, kind]. */
async function highlights(params: ReturnType<NavFixture['at']>): Promise<[string, number, DocumentHighlightKind | undefined][]> {
  const name = params.textDocument.uri.slice(params.textDocument.uri.lastIndexOf('/') + 1);
  const list = await nav.client.request<DocumentHighlight[] | null>('textDocument/documentHighlight', params);
  return (list ?? []).map((h) => [textIn(nav.text(name), h.range), h.range.start.line, h.kind]);
}

const line = (name: string, needle: string): number => pos(nav.text(name), needle).line;

/** The texts a selection range grows through, innermost first. */
function chain(text: string, r: SelectionRange | undefined): string[] {
  const out: string[] = [];
  for (let s = r; s; s = s.parent) out.push(textIn(text, s.range));
  return out;
}

async function selections(name: string, positions: Position[]): Promise<SelectionRange[]> {
  return nav.client.request<SelectionRange[]>('textDocument/selectionRange', { textDocument: { uri: nav.uri(name) }, positions });
}

describe('advertised', () => {
  it('document links, highlights and selection ranges', () => {
    const caps = nav.client.initializeResult?.capabilities;
    expect(caps?.documentLinkProvider).toBeTruthy();
    expect(caps?.documentHighlightProvider).toBe(true);
    expect(caps?.selectionRangeProvider).toBe(true);
  });
});

describe('document links', () => {
  it('every import path links to its file (the path inside the quotes)', async () => {
    expect(await links('guest.pvk')).toEqual(['cpu.pvk', 'mmu_native.pvk', 'mmu_xen.pvk', 'lib.pvk'].map((f) => [f, nav.uri(f)]));
  });

  it('every kernel path of a system links to the kernel', async () => {
    expect(await links('system.pvk')).toEqual([
      ['dom0.pvk', nav.uri('dom0.pvk')],
      ['guest.pvk', nav.uri('guest.pvk')],
      ['guest.pvk', nav.uri('guest.pvk')],
      ['guest.pvk', nav.uri('guest.pvk')],
    ]);
  });

  it('a missing import or kernel: its diagnostic, and no link; once the file exists, a link', async () => {
    const published = await nav.client.diagnosticsFor(nav.file('links.pvk'), (p) => p.diagnostics.length >= 2);
    expect(codes(published.diagnostics).sort()).toEqual(['PVK013', 'PVK030']);
    expect(await links('links.pvk')).toEqual([['lib.pvk', nav.uri('lib.pvk')]]);

    writeFileSync(nav.file('gone.pvk'), 'fn main() -> u32 { return 0; }\n');
    nav.client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: nav.uri('gone.pvk'), type: 1 }] });
    await settle(nav.client);
    expect(await links('links.pvk')).toEqual([
      ['lib.pvk', nav.uri('lib.pvk')],
      ['gone.pvk', nav.uri('gone.pvk')],
    ]);
    expect(codes(nav.client.lastDiagnostics(nav.file('links.pvk'))?.diagnostics ?? [])).toEqual(['PVK013']);
  });

  it('a file outside every folder, or not a file: no links', async () => {
    const list = await nav.client.request<DocumentLink[] | null>('textDocument/documentLink', { textDocument: { uri: 'untitled:Untitled-1' } });
    expect(list ?? []).toEqual([]);
  });
});

describe('document highlights', () => {
  it('a global: its declaration and assignment write, its uses read', async () => {
    expect(await highlights(nav.at('guest.pvk', 'return flushes', 'return f'.length))).toEqual([
      ['flushes', line('guest.pvk', 'var flushes'), Write],
      ['flushes', line('guest.pvk', 'flushes += 1'), Write],
      ['flushes', line('guest.pvk', 'return flushes'), Read],
    ]);
  });

  it('a local and a loop variable', async () => {
    expect(await highlights(nav.at('guest.pvk', 'flush_all(frame', 'flush_all(f'.length))).toEqual([
      ['frame', line('guest.pvk', 'let frame'), Write],
      ['frame', line('guest.pvk', 'flush_all(frame'), Read],
    ]);
    expect(await highlights(nav.at('guest.pvk', 'for i', 'for '.length))).toEqual([
      ['i', line('guest.pvk', 'for i'), Write],
      ['i', line('guest.pvk', 'i * 4096'), Read],
    ]);
  });

  it('a parameter: only its own function', async () => {
    expect(await highlights(nav.at('guest.pvk', 'base + i', 1))).toEqual([
      ['base', line('guest.pvk', 'fn flush_all'), Write],
      ['base', line('guest.pvk', 'base + i'), Read],
    ]);
  });

  it('an op: its entry and both impl functions where they share a file', async () => {
    const cpu = 'cpu.pvk';
    expect(await highlights(nav.at(cpu, 'fn irq_disable();', 'fn i'.length))).toEqual([
      ['irq_disable', line(cpu, 'fn irq_disable();'), Write],
      ['irq_disable', line(cpu, 'fn irq_disable() { cli'), Write],
      ['irq_disable', line(cpu, 'fn irq_disable() { mem8'), Write],
    ]);
    // in the caller's file: the call only
    expect(await highlights(nav.at('guest.pvk', 'cpu.irq_disable', 'cpu.i'.length))).toEqual([['irq_disable', line('guest.pvk', 'cpu.irq_disable'), Read]]);
  });

  it('a compound assignment writes; an intrinsic highlights its other calls; a keyword nothing', async () => {
    expect(await highlights(nav.at('lib.pvk', 'logged += 1', 1))).toEqual([
      ['logged', line('lib.pvk', 'var logged'), Write],
      ['logged', line('lib.pvk', 'logged += 1'), Write],
    ]);
    expect(await highlights(nav.at('cpu.pvk', 'vcpu_info', 1))).toEqual([
      ['vcpu_info', line('cpu.pvk', 'vcpu_info()] = 1'), Read],
      ['vcpu_info', line('cpu.pvk', 'vcpu_info()] = 0'), Read],
    ]);
    expect(await highlights(nav.at('guest.pvk', 'return flushes', 1))).toEqual([]);
  });
});

describe('selection ranges', () => {
  it('grow from a name through its expressions, the statement, the blocks and the function to the file', async () => {
    const guest = nav.text('guest.pvk');
    const [r] = await selections('guest.pvk', [pos(guest, 'base + i', 1)]);
    const fn = guest.slice(guest.indexOf('fn flush_all'), guest.indexOf('fn main') - 2);
    const forStmt = fn.slice(fn.indexOf('for i'), fn.lastIndexOf('}', fn.length - 2) + 1);
    expect(chain(guest, r)).toEqual([
      'base',
      'base + i * 4096',
      'mmu.flush(base + i * 4096)',
      'mmu.flush(base + i * 4096);',
      forStmt.slice(forStmt.indexOf('{')),
      forStmt,
      fn.slice(fn.indexOf('{')),
      fn,
      guest,
    ]);
  });

  it('one answer per position; an operand of a binary expression; a caret just past a name', async () => {
    const guest = nav.text('guest.pvk');
    const [a, b, c, d] = await selections('guest.pvk', [
      pos(guest, 'i * 4096', 'i * 40'.length),
      pos(guest, 'let frame', 'let frame'.length),
      pos(guest, 'return flushes', 'return flushes'.length),
      pos(guest, 'cpu.irq_enable', 'cpu.irq'.length),
    ]);
    expect(chain(guest, a).slice(0, 3)).toEqual(['4096', 'i * 4096', 'base + i * 4096']);
    expect(chain(guest, b).slice(0, 2)).toEqual(['frame', 'let frame = mmu.map(16);']);
    expect(chain(guest, c).slice(0, 2)).toEqual(['flushes', 'return flushes;']);
    expect(chain(guest, d).slice(0, 3)).toEqual(['irq_enable', 'cpu.irq_enable()', 'cpu.irq_enable();']);
  });

  it('in a system: the kernel path, its property, the domain, the system, the file', async () => {
    const system = nav.text('system.pvk');
    const [r] = await selections('system.pvk', [pos(system, 'guest.pvk', 2, 1)]);
    expect(chain(system, r)).toEqual([
      '"guest.pvk"',
      'kernel "guest.pvk";',
      'domain db { kernel "guest.pvk"; memory 16; mode hvm; paused; }',
      system.slice(system.indexOf('system host'), system.indexOf('\n}') + 2),
      system,
    ]);
  });

  it('in a pvops table: the parameter, the op, the table', async () => {
    const mmu = nav.text('mmu.pvk');
    const [r] = await selections('mmu.pvk', [pos(mmu, 'frame', 1)]);
    expect(chain(mmu, r).slice(0, 3)).toEqual(['frame', 'frame: u32', 'fn map(frame: u32) -> u32;']);
    expect(rangeOf(mmu, 'frame')).toEqual(r.range);
  });
});
