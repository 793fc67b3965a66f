import * as vscode from 'vscode';
import { makeNonce, profilePage } from './profilePage.js';

/** The profile webview's scripts, in load order (classic scripts sharing `window.pvlabProfile`). */
const SCRIPTS = ['format.js', 'flame.js', 'timeline.js', 'tables.js', 'compare.js', 'main.js'];

/** The page of the profile webview (extension/profilePage.ts) with this webview's resource URIs. */
export function profileHtml(webview: vscode.Webview, mediaRoot: vscode.Uri, nonce: string = makeNonce()): string {
  const uri = (name: string): string => webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, name)).toString();
  return profilePage({ cspSource: webview.cspSource, nonce, styleUri: uri('profile.css'), scriptUris: SCRIPTS.map(uri) });
}
