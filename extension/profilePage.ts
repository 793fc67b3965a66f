/**
 * The HTML of the profile webview, without vscode: a strict Content Security
 * Policy (nothing by default; scripts only with this page's nonce, from the
 * given files; styles, images and fonts only from the webview's own resource
 * origin; no inline code, no network, no base or form targets), one style
 * sheet, the scripts in order, and empty containers the scripts fill with
 * text (media/profile/*.js never build HTML from strings: names in a profile
 * come from guest code). Every value put into the page is escaped.
 */
import { randomBytes } from 'node:crypto';

/** A fresh nonce for one page: 128 random bits in hex. */
export function makeNonce(): string {
  return randomBytes(16).toString('hex');
}

/** The profile webview's scripts (media/profile/), in load order: classic scripts sharing `window.pvlabProfile`. */
export const PROFILE_SCRIPTS = ['format.js', 'flame.js', 'timeline.js', 'tables.js', 'compare.js', 'main.js'] as const;

export interface ProfilePageParts {
  /** The webview's resource origin (`webview.cspSource`). */
  cspSource: string;
  /** A fresh nonce for this page: letters and digits only. */
  nonce: string;
  /** The style sheet's URI. */
  styleUri: string;
  /** The scripts' URIs, in load order. */
  scriptUris: readonly string[];
}

/** Text as HTML attribute or element content: the five characters HTML gives meaning, escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** The Content-Security-Policy of the page. */
export function profileCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `img-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function profilePage({ cspSource, nonce, styleUri, scriptUris }: ProfilePageParts): string {
  if (!/^[A-Za-z0-9]+$/.test(nonce)) throw new Error('a nonce is letters and digits only');
  const attr = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(profileCsp(cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(styleUri)}">
<title>pvlab profile</title>
</head>
<body>
<header id="header"><h1 id="title">pvlab profile</h1><div id="facts"></div><div id="actions"></div></header>
<section id="comparison" hidden></section>
<main id="content"><p class="note" id="status">Loading the profile…</p></main>
<div id="tooltip" role="tooltip" hidden></div>
${scriptUris.map((src) => `<script nonce="${nonce}" src="${attr(src)}"></script>`).join('\n')}
</body>
</html>`;
}
