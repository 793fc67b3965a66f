import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { DEBUG_TYPE, launchConfiguration } from '../sandbox/debug/launch.js';
import { applyRunSettings, readRunSettings, SETTINGS_SECTION } from './settings.js';
import { systemsOf } from './systems.js';
import { compileFailure, saveDirtyPvk, showCompileFailure } from './compileCheck.js';

/** Runs dist/debugAdapter.js as its own process: a runaway guest can never freeze the editor. */
class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly context: vscode.ExtensionContext) {}

  createDebugAdapterDescriptor(): vscode.DebugAdapterDescriptor {
    return new vscode.DebugAdapterExecutable(process.execPath, [this.context.asAbsolutePath('dist/debugAdapter.js')], { env: { ELECTRON_RUN_AS_NODE: '1' } });
  }
}

/** F5 on a system file just works: an empty configuration becomes "debug this file's first system". */
class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly client: LanguageClient) {}

  async resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('pvlab: debugging runs code from this workspace; trust the workspace first.');
      return undefined;
    }
    if (!config.type && !config.request && !config.name) {
      const doc = vscode.window.activeTextEditor?.document;
      if (doc?.languageId !== 'pvk' || (await systemsOf(this.client, doc.uri)).length === 0) {
        void vscode.window.showInformationMessage('pvlab: open a file with a `system` block to debug it.');
        return undefined;
      }
      config = launchConfiguration('Debug system', doc.uri.fsPath);
    }
    if (!config.program) {
      const doc = vscode.window.activeTextEditor?.document;
      if (doc?.languageId === 'pvk') config.program = doc.uri.fsPath;
    }
    applyRunSettings(config, readRunSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION, folder?.uri)));
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
    const failure = await compileFailure(this.client, { file: vscode.Uri.file(config.program), system: typeof config.system === 'string' ? config.system : undefined });
    if (!failure) return config;
    void showCompileFailure(failure);
    return undefined;
  }
}

export function registerDebugger(context: vscode.ExtensionContext, client: LanguageClient): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new AdapterFactory(context)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider(client)),
  );
}
