import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { describe, expect, it } from 'vitest';
import { LineDocument, splitLines } from '../../server/lineDocument.js';

/** Text made of the characters that matter to line handling (all three line breaks among them). */
const textArb = fc.array(fc.constantFrom('a', 'b', ' ', '\n', '\r', '\r\n', 'é', '😀'), { maxLength: 30 }).map((parts) => parts.join(''));
/** A position given as two numbers, placed in the current text when the edit is made (VS Code sends only positions inside the text). */
const positionArb = fc.record({ line: fc.nat(), character: fc.nat() });
const changeArb = fc.oneof(
  { weight: 9, arbitrary: fc.record({ range: fc.record({ start: positionArb, end: positionArb }), text: textArb }) },
  { weight: 1, arbitrary: fc.record({ text: textArb }) },
);

/** The generated position as a real position of `text`: an existing line, a column within its content. */
function inside(text: string, p: { line: number; character: number }): { line: number; character: number } {
  const lines = text.split(/\r\n|\r|\n/);
  const line = p.line % lines.length;
  return { line, character: p.character % (lines[line].length + 1) };
}

describe('LineDocument: the open documents of the language server', () => {
  it('keeps the same text as vscode-languageserver-textdocument under any sequence of edits', () => {
    fc.assert(
      fc.property(textArb, fc.array(fc.array(changeArb, { minLength: 1, maxLength: 3 }), { maxLength: 12 }), (initial, edits) => {
        const reference = TextDocument.create('file:///a.pvk', 'pvk', 1, initial);
        const doc = new LineDocument('file:///a.pvk', 'pvk', 1, initial);
        edits.forEach((generated, i) => {
          // Each change's positions are in the text the changes before it in the same didChange left.
          const scratch = TextDocument.create('file:///s.pvk', 'pvk', 1, reference.getText());
          const changes = generated.map((c) => {
            const placed = 'range' in c ? { text: c.text, range: { start: inside(scratch.getText(), c.range.start), end: inside(scratch.getText(), c.range.end) } } : c;
            TextDocument.update(scratch, [placed], 2);
            return placed;
          });
          TextDocument.update(reference, changes, i + 2);
          doc.update(changes, i + 2);
          expect(doc.getText()).toBe(reference.getText());
          // Counted afresh: the reference's own count goes wrong after edits past the end.
          expect(doc.lineCount).toBe(TextDocument.create('file:///b.pvk', 'pvk', 1, reference.getText()).lineCount);
          expect(doc.version).toBe(i + 2);
        });
      }),
      { numRuns: 1500 },
    );
  });

  it('splits lines after \\n, \\r\\n and \\r, keeping each break', () => {
    expect(splitLines('a\nb\r\nc\rd')).toEqual(['a\n', 'b\r\n', 'c\r', 'd']);
    expect(splitLines('x\n')).toEqual(['x\n', '']);
    expect(splitLines('')).toEqual(['']);
  });

  it('pastes more lines than a function call may take as arguments', () => {
    const doc = new LineDocument('file:///a.pvk', 'pvk', 1, 'start\nend\n');
    const pasted = 'x;\n'.repeat(300_000);
    doc.update([{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: pasted }], 2);
    expect(doc.lineCount).toBe(300_003);
    expect(doc.getText()).toBe(`start\n${pasted}end\n`);
  });
});
