import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** The profile webview's scripts, in load order (classic scripts sharing `window.pvlabProfile`). */
const SCRIPTS = ['format.js', 'flame.js', 'timeline.js', 'tables.js', 'compare.js', 'main.js'];

/** A fresh nonce for one page: 128 random bits in hex. */
export function makeNonce(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The page of the profile webview: a strict CSP (no inline code, scripts only
 * with this page's nonce, styles, images and fonts only from media/profile,
 * no network), and the local script and style sheet.
 */
export function profileHtml(webview: vscode.Webview, mediaRoot: vscode.Uri, nonce: string = makeNonce()): string {
  const uri = (name: string): string => webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, name)).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${uri('profile.css')}">
<title>pvlab profile</title>
</head>
<body>
<header id="header"><h1 id="title">pvlab profile</h1><div id="facts"></div><div id="actions"></div></header>
<section id="comparison" hidden></section>
<main id="content"><p class="note" id="status">Loading the profile…</p></main>
<div id="tooltip" role="tooltip" hidden></div>
${SCRIPTS.map((s) => `<script nonce="${nonce}" src="${uri(s)}"></script>`).join('\n')}
</body>
</html>`;
}
