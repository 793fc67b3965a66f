import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type * as vscode from 'vscode';

/** Keep at most this much of the CLI's stderr to explain its exit (all of it goes to the channel). */
const STDERR_KEPT = 64 * 1024;

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  /** What the CLI wrote to stderr so far (its first 64 KiB). */
  stderr(): string;
}

/**
 * Starts the pvlab CLI in a child process (a runaway guest never freezes the
 * editor) as plain Node (the extension host may be Electron), its stdout and
 * stderr going to `channel` as they come.
 */
export function startCli(args: readonly string[], channel: vscode.OutputChannel, cwd: string | undefined): CliProcess {
  const child = spawn(process.execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, cwd });
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => channel.append(d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    const text = d.toString();
    channel.append(text);
    if (stderr.length < STDERR_KEPT) stderr += text;
  });
  return { child, stderr: () => stderr };
}
