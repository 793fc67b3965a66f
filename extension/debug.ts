import * as vscode from 'vscode';
import { compileFailure, saveDirtyPvk, showCompileFailure } from './compileCheck.js';
import { systemsIn } from './systems.js';

/** Runs dist/debugAdapter.js as its own process: a runaway guest can never freeze the editor. */
class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly context: vscode.ExtensionContext) {}
  createDebugAdapterDescriptor(): vscode.DebugAdapterDescriptor {
    return new vscode.DebugAdapterExecutable(process.execPath, [this.context.asAbsolutePath('dist/debugAdapter.js')], { env: { ELECTRON_RUN_AS_NODE: '1' } });
  }
}

/** F5 on a system file just works: an empty configuration becomes "debug this file's first system". */
class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('pvlab: debugging runs code from this workspace; trust the workspace first.');
      return undefined;
    }
    if (!config.type && !config.request && !config.name) {
      const doc = vscode.window.activeTextEditor?.document;
      if (doc?.languageId !== 'pvk' || systemsIn(doc.getText()).length === 0) {
        void vscode.window.showInformationMessage('pvlab: open a file with a `system` block to debug it.');
        return undefined;
      }
      return { type: 'pvlab', request: 'launch', name: 'Debug system', program: doc.uri.fsPath, stopOnEntry: false };
    }
    if (!config.program) {
      const doc = vscode.window.activeTextEditor?.document;
      if (doc?.languageId === 'pvk') config.program = doc.uri.fsPath;
    }
    const maxCycles = vscode.workspace.getConfiguration('pvlab').get<number>('maxCycles');
    if (config.maxCycles === undefined && maxCycles !== undefined) config.maxCycles = maxCycles;
    return config;
  }

  /**
   * A system that does not compile never reaches the adapter (whose failed
   * launch would open VS Code's modal offering launch.json): one notification
   * names its first error, with "Go to Error" and "Show Problems", and the
   * session does not start (undefined, not null, which would open launch.json).
   */
  async resolveDebugConfigurationWithSubstitutedVariables(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    if (typeof config.program !== 'string' || config.program === '') return config;
    await saveDirtyPvk();
    const failure = compileFailure({ file: vscode.Uri.file(config.program), system: typeof config.system === 'string' ? config.system : undefined });
    if (!failure) return config;
    void showCompileFailure(failure);
    return undefined;
  }
}

export function registerDebugger(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('pvlab', new AdapterFactory(context)),
    vscode.debug.registerDebugConfigurationProvider('pvlab', new ConfigurationProvider()),
  );
}
