import { spawn } from 'node:child_process';
import * as vscode from 'vscode';

export interface CliResult {
  /** The exit status; -1 when the process could not start or was killed. */
  code: number;
  /** The signal that stopped the process, if one did. */
  signal?: string;
  /** stdout, when captured (else it went to the channel). */
  stdout: string;
  stderr: string;
  cancelled: boolean;
  /** Why the process could not start. */
  error?: string;
}

/** Keep at most this much of the CLI's stderr for error messages (all of it goes to the channel). */
const STDERR_KEPT = 64 * 1024;

/**
 * Runs `dist/cli.js ARGS…` in a child process (a runaway guest can never
 * freeze the editor; cancelling kills it), in the workspace folder of
 * `file`. stderr goes to the channel; stdout too, unless captured.
 */
export function runCli(context: vscode.ExtensionContext, channel: vscode.OutputChannel, args: readonly string[], file: vscode.Uri, options: { captureStdout?: boolean; token?: vscode.CancellationToken } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let cancelled = false;
    // The extension host may be Electron: run the CLI with it as plain Node.
    const child = spawn(process.execPath, [context.asAbsolutePath('dist/cli.js'), ...args], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, cwd: vscode.workspace.getWorkspaceFolder(file)?.uri.fsPath });
    const cancel = options.token?.onCancellationRequested(() => {
      cancelled = true;
      child.kill();
    });
    child.stdout.on('data', (d: Buffer) => {
      if (options.captureStdout) stdout += d.toString();
      else channel.append(d.toString());
    });
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      channel.append(text);
      if (stderr.length < STDERR_KEPT) stderr += text;
    });
    child.on('error', (e) => {
      cancel?.dispose();
      resolve({ code: -1, stdout, stderr, cancelled, error: e.message });
    });
    child.on('close', (code, signal) => {
      cancel?.dispose();
      resolve({ code: code ?? -1, ...(signal ? { signal } : {}), stdout, stderr, cancelled });
    });
  });
}
