import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';

/** A status-bar item showing the language server's state; clicking it opens the log. */
export function createStatusBar(context: vscode.ExtensionContext, client: LanguageClient, output: vscode.OutputChannel): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem('pvlab.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'pvlab';
  const show = (state: State): void => {
    const running = state === State.Running;
    item.text = running ? '$(circuit-board) pvlab' : state === State.Starting ? '$(sync~spin) pvlab' : '$(warning) pvlab';
    item.tooltip = running ? 'pvlab language server running — click for its log' : 'pvlab language server is not running — click for its log';
  };
  show(client.state);
  context.subscriptions.push(client.onDidChangeState((e) => show(e.newState)));
  const update = (): void => {
    if (vscode.window.activeTextEditor?.document.languageId === 'pvk') item.show();
    else item.hide();
  };
  update();
  context.subscriptions.push(vscode.window.onDidChangeActiveTextEditor(update), item);
  item.command = { command: 'pvlab.showLog', title: 'Show pvlab log' };
  context.subscriptions.push(vscode.commands.registerCommand('pvlab.showLog', () => output.show(true)));
  return item;
}
