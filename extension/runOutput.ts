/**
 * The Run System output, ordered for VS Code's Output panel: the panel
 * follows the end of what is written, so `pvlab run`'s summary (the system
 * line and the table of domains, which the CLI prints first) goes last,
 * after each domain's section with its console. Pure text in, text out.
 */
export function summaryLast(cliOutput: string): string {
  const lines = cliOutput.replace(/\n$/, '').split('\n');
  const firstSection = lines.findIndex((l) => l.startsWith('── '));
  if (firstSection <= 0) return cliOutput;
  const summary = lines.slice(0, firstSection);
  while (summary.length > 0 && summary[summary.length - 1] === '') summary.pop();
  const sections = lines.slice(firstSection);
  return `${[...sections, '', ...summary].join('\n')}\n`;
}
