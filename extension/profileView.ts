import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Comparison } from '../sandbox/profile/comparison.js';
import type { Profile } from '../sandbox/profile/types.js';
import { comparisonView, isComparison } from './compareModel.js';
import { profileHtml } from './profileHtml.js';
import { isProfile, profileView } from './profileModel.js';
import { clearViewerLensesOnEdit } from './viewerLenses.js';

/** The view type of the profile webview (package.json activates on `onWebviewPanel:pvlab.profile`). */
export const PROFILE_VIEW_TYPE = 'pvlab.profile';

/** Where one profile lives on disk. */
export interface ProfileFiles {
  /** The `Profile` JSON (`--profile-json`). */
  json: string;
  /** The `.cpuprofile` (`--profile`). */
  cpuprofile: string;
}

/** Messages the webview sends (media/profile/main.js). */
type FromWebview = { type: 'ready' } | { type: 'openCpuProfile' } | { type: 'openSource'; file: number; line: number };

function isMessage(m: unknown): m is FromWebview {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  if (t === 'openSource') {
    const { file, line } = m as { file?: unknown; line?: unknown };
    return Number.isInteger(file) && Number.isInteger(line);
  }
  return t === 'ready' || t === 'openCpuProfile';
}

/** Whether a path is inside one of the directories where pvlab writes profiles. */
function insideStorage(p: string, storageDirs: readonly string[]): boolean {
  return (
    path.isAbsolute(p) &&
    storageDirs.some((d) => {
      const rel = path.relative(d, p);
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    })
  );
}

/** The files recorded in the state the webview persisted, if they are where pvlab writes profiles. */
function filesFromState(state: unknown, storageDirs: readonly string[]): ProfileFiles | undefined {
  const files = typeof state === 'object' && state !== null ? (state as { files?: unknown }).files : undefined;
  if (typeof files !== 'object' || files === null) return undefined;
  const { json, cpuprofile } = files as { json?: unknown; cpuprofile?: unknown };
  if (typeof json !== 'string' || typeof cpuprofile !== 'string') return undefined;
  return insideStorage(json, storageDirs) && insideStorage(cpuprofile, storageDirs) ? { json, cpuprofile } : undefined;
}

/** The comparison file recorded in the webview state, if it is where pvlab writes them. */
function comparisonFromState(state: unknown, storageDirs: readonly string[]): string | undefined {
  const file = typeof state === 'object' && state !== null ? (state as { comparison?: unknown }).comparison : undefined;
  return typeof file === 'string' && insideStorage(file, storageDirs) ? file : undefined;
}

/** Reads and checks a saved `pvlab compare --json` output. */
export async function readComparison(file: string): Promise<Comparison> {
  const value: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (!isComparison(value)) throw new Error(`${file} is not a pvlab comparison`);
  return value;
}

/** Scripts on, command links off, resources only from media/profile. */
function webviewOptions(context: vscode.ExtensionContext): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: [mediaRoot(context)] };
}

const mediaRoot = (context: vscode.ExtensionContext): vscode.Uri => vscode.Uri.joinPath(context.extensionUri, 'media', 'profile');

/** Reads and checks a Profile JSON file. */
export async function readProfile(file: string): Promise<Profile> {
  const value: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (!isProfile(value)) throw new Error(`${file} is not a pvlab profile (version 1)`);
  return value;
}

/**
 * The single profile panel: flame graphs, vCPU timeline and tables of the last
 * profile. The webview asks for its data when it (re)loads ("ready") and keeps
 * only the file locations and its own UI state in setState, so a restored
 * panel re-reads the profile from disk.
 */
export class ProfilePanel {
  private static current: ProfilePanel | undefined;
  /** Called with the profile the panel showed when the user closes it (the hints of that profile go too). */
  static onClosed: ((profile: Profile) => void) | undefined;
  private profile: Profile | undefined;
  private files: ProfileFiles | undefined;
  /** The last comparison shown (native vs pv vs patched vs hvm), and the file it is saved in. */
  private comparison: { data: Comparison; file: string } | undefined;
  private problem = 'Loading the profile…';
  /** Set when a restored panel takes this one's place: closing it then takes no profile away. */
  private replaced = false;
  /** Clears VS Code's own Self Time lenses on the first edit after the .cpuprofile was opened. */
  private viewerLenses: vscode.Disposable | undefined;

  private constructor(private readonly panel: vscode.WebviewPanel, private readonly context: vscode.ExtensionContext) {
    panel.webview.options = webviewOptions(context);
    panel.webview.html = profileHtml(panel.webview, mediaRoot(context));
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icons', 'pvk-file.svg');
    const subscriptions = [
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (isMessage(m)) void this.onMessage(m);
      }),
    ];
    panel.onDidDispose(() => {
      if (ProfilePanel.current === this) ProfilePanel.current = undefined;
      for (const s of subscriptions) s.dispose();
      this.viewerLenses?.dispose();
      if (this.profile && !this.replaced) ProfilePanel.onClosed?.(this.profile);
    });
    ProfilePanel.current = this;
  }

  /** The panel, created beside the editor or revealed. */
  private static open(context: vscode.ExtensionContext): ProfilePanel {
    const current = ProfilePanel.current;
    if (current) {
      current.panel.reveal(undefined, false);
      return current;
    }
    const panel = vscode.window.createWebviewPanel(PROFILE_VIEW_TYPE, 'Profile', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, webviewOptions(context));
    return new ProfilePanel(panel, context);
  }

  /** Shows `profile` in the panel, creating it beside the editor or revealing it. */
  static show(context: vscode.ExtensionContext, profile: Profile, files: ProfileFiles): void {
    ProfilePanel.open(context).load(profile, files);
  }

  /** Shows a comparison (saved in `file`) as a chart above the profile, creating or revealing the panel. */
  static showComparison(context: vscode.ExtensionContext, comparison: Comparison, file: string): void {
    const panel = ProfilePanel.open(context);
    panel.comparison = { data: comparison, file };
    if (!panel.profile) panel.panel.title = `Compare · ${comparison.system}`;
    void panel.post();
  }

  /** Brings back a panel VS Code restored after a reload, from the files its webview state names. */
  static async restore(context: vscode.ExtensionContext, panel: vscode.WebviewPanel, state: unknown): Promise<Profile | undefined> {
    if (ProfilePanel.current) {
      ProfilePanel.current.replaced = true;
      ProfilePanel.current.panel.dispose();
    }
    const view = new ProfilePanel(panel, context);
    const dirs = [context.storageUri, context.globalStorageUri].flatMap((u) => (u ? [u.fsPath] : []));
    const comparisonFile = comparisonFromState(state, dirs);
    if (comparisonFile) {
      try {
        view.comparison = { data: await readComparison(comparisonFile), file: comparisonFile };
      } catch {
        // A comparison that is gone is simply not shown again.
      }
    }
    const files = filesFromState(state, dirs);
    if (!files && view.comparison) {
      view.panel.title = `Compare · ${view.comparison.data.system}`;
      void view.post();
      return undefined;
    }
    if (!files) return void view.fail('This profile was not saved. Run “pvlab: Profile System” again.');
    try {
      const profile = await readProfile(files.json);
      view.load(profile, files);
      return profile;
    } catch (e) {
      view.fail(`The profile at ${files.json} could not be read (${e instanceof Error ? e.message : String(e)}). Run “pvlab: Profile System” again.`);
      return undefined;
    }
  }

  private load(profile: Profile, files: ProfileFiles): void {
    this.profile = profile;
    this.files = files;
    this.panel.title = `Profile · ${profile.system}`;
    void this.post();
  }

  private fail(message: string): void {
    this.profile = undefined;
    this.problem = message;
    this.panel.title = 'Profile';
    void this.post();
  }

  /** Sends the current data; a webview that is not loaded yet asks again with "ready". */
  private async post(): Promise<void> {
    if (this.profile && this.files) await this.panel.webview.postMessage({ type: 'profile', view: profileView(this.profile), files: this.files });
    else if (!this.comparison) await this.panel.webview.postMessage({ type: 'problem', message: this.problem });
    if (this.comparison) await this.panel.webview.postMessage({ type: 'comparison', view: comparisonView(this.comparison.data), file: this.comparison.file });
  }

  private async onMessage(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        await this.post();
        return;
      case 'openCpuProfile':
        return this.openCpuProfile();
      case 'openSource': {
        const file = this.profile?.files[m.file];
        if (!file || m.line < 1) return;
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
        const at = new vscode.Position(Math.min(m.line, doc.lineCount) - 1, 0);
        await vscode.window.showTextDocument(doc, { viewColumn: this.otherColumn(), selection: new vscode.Range(at, at) });
        return;
      }
    }
  }

  /** Opens the `.cpuprofile` with VS Code's own editor for it (the built-in profile viewer). */
  private async openCpuProfile(): Promise<void> {
    const file = this.files?.cpuprofile;
    if (!file) return;
    try {
      await stat(file);
    } catch {
      void vscode.window.showWarningMessage(`pvlab: ${file} is gone; run “pvlab: Profile System” again.`);
      return;
    }
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file), { viewColumn: this.otherColumn() });
    this.viewerLenses?.dispose();
    this.viewerLenses = clearViewerLensesOnEdit(this.profile?.files ?? []);
  }

  private otherColumn(): vscode.ViewColumn {
    return this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
  }
}

/** Registers the serializer that restores the profile panel after a reload; `onRestored` gets the profile it re-read. */
export function registerProfileView(context: vscode.ExtensionContext, onRestored: (profile: Profile) => void): void {
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(PROFILE_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
        const profile = await ProfilePanel.restore(context, panel, state);
        if (profile) onRestored(profile);
      },
    }),
  );
}
