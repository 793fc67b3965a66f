import * as vscode from 'vscode';
import { makeNonce, profilePage, PROFILE_SCRIPTS } from './profilePage.js';

/** The page of the profile webview (extension/profilePage.ts) with this webview's resource URIs. */
export function profileHtml(webview: vscode.Webview, mediaRoot: vscode.Uri, nonce: string = makeNonce()): string {
  const uri = (name: string): string => webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, name)).toString();
  return profilePage({ cspSource: webview.cspSource, nonce, styleUri: uri('profile.css'), scriptUris: PROFILE_SCRIPTS.map(uri) });
}
