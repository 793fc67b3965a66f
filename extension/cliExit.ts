/**
 * What an exit of `pvlab run` means, by the exit statuses of the spec's
 * command-line section: 0 every domain exited, 1 a domain crashed or the run
 * ended in deadlock or at the cycle limit, 2 bad usage or a program that does
 * not compile (the CLI says which on its last `pvlab: …` line), 3 an internal
 * error of pvlab itself. Anything else (a signal, an unknown status) is said
 * as what it is. No vscode import: unit-tested on its own.
 */

export type RunOutcome = 'clean' | 'guest-trouble' | 'refused' | 'internal' | 'killed' | 'unknown';

/** How the CLI process ended: its status, or the signal that stopped it (`code` null). */
export interface CliExit {
  code: number | null;
  signal?: string | null;
}

export function runOutcome(exit: CliExit): RunOutcome {
  if (exit.code === null) return exit.signal ? 'killed' : 'unknown';
  switch (exit.code) {
    case 0:
      return 'clean';
    case 1:
      return 'guest-trouble';
    case 2:
      return 'refused';
    case 3:
      return 'internal';
    default:
      return 'unknown';
  }
}

/** The non-empty, trimmed lines of the CLI's stderr. */
function stderrLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** The CLI's own explanation: its last `pvlab: …` line without the prefix (the usage text after it is left out). */
export function cliReason(stderr: string): string | undefined {
  return [...stderrLines(stderr)].reverse().find((l) => l.startsWith('pvlab: '))?.slice('pvlab: '.length);
}

/** How many `file:line:col: error …` diagnostics the CLI printed. */
export function errorCount(stderr: string): number {
  return stderrLines(stderr).filter((l) => /:\d+:\d+: error /.test(l)).length;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One phrase for the outcome, true to the status (and to the CLI's own reason where it gave one). */
export function describeRunExit(exit: CliExit, stderr = ''): string {
  const reason = cliReason(stderr);
  switch (runOutcome(exit)) {
    case 'clean':
      return 'every domain exited cleanly';
    case 'guest-trouble':
      return 'a domain crashed, or the run ended in a deadlock or at the cycle limit';
    case 'refused': {
      const errors = errorCount(stderr);
      const what = reason ?? (errors > 0 ? 'the system does not compile' : 'the command was refused');
      return errors > 0 ? `${what} (${plural(errors, 'error')} in the output)` : what;
    }
    case 'internal': {
      const detail = reason?.replace(/^internal error: /, '').replace(/\s*\(please report[^)]*\)$/, '');
      return `internal error in pvlab (a bug in pvlab, not in your system)${detail ? `: ${detail}` : ''}; please report it with the system file`;
    }
    case 'killed':
      return `the sandbox process was stopped by ${exit.signal}`;
    case 'unknown':
      return exit.code === null ? 'the sandbox process ended without an exit status' : `unexpected exit status ${exit.code}`;
  }
}

/** The line Run System appends to its output channel when the CLI ends. */
export function runStatusLine(exit: CliExit, stderr = ''): string {
  const status = exit.code === null ? (exit.signal ?? 'no exit status') : `exit status ${exit.code}`;
  return `[${status}: ${describeRunExit(exit, stderr)}]`;
}

/** The error notification of Profile System when the CLI produced no profile (status 2, 3, a signal, …). */
export function profileFailureText(label: string, exit: CliExit, stderr: string): string {
  return `pvlab: could not profile ${label}: ${describeRunExit(exit, stderr)}`;
}
