import { fork, type ChildProcess } from 'node:child_process';

/** The arguments the Node debugger gets in the server when the extension host itself is being debugged. */
const DEBUG_EXEC_ARGV = ['--nolazy', '--inspect=6019'];

/** Whether this extension host runs under a debugger (as vscode-languageclient decides it for its own server options). */
function debugging(): boolean {
  return process.execArgv.some((a) => /^--(debug|inspect)(-brk)?(=|$)/.test(a));
}

/**
 * Starts the language server (dist/server.js) as a separate Node process
 * speaking LSP over stdio, as vscode-languageclient would fork it: with the
 * client's process id (the server ends when the extension host does), the
 * extension host's environment, stdin/stdout/stderr piped.
 */
export function spawnServer(serverModule: string): ChildProcess {
  const server = fork(serverModule, ['--stdio', `--clientProcessId=${process.pid}`], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ELECTRON_NO_ASAR: '1' },
    execArgv: debugging() ? DEBUG_EXEC_ARGV : [],
    silent: true,
  });
  // A process that cannot start closes its streams: the language client reports that (its log,
  // the status bar). Without a listener, the 'error' event would throw in the extension host.
  server.on('error', () => undefined);
  return server;
}
