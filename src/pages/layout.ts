/**
 * The HTML shell every page shares: language, viewport, one same-origin
 * stylesheet and script, and a Content-Security-Policy that allows nothing
 * from elsewhere — the pages are self-contained (no external fonts, scripts
 * or CDNs).
 *
 * Trust boundary: the gate shares its origin with the proxied playback
 * content, so `'self'` would trust any script the origin serves. Scripts and
 * styles are therefore allowed from the gate's own asset path only.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/** Where the pages' bundled scripts and stylesheet are served (Workers Static Assets). */
export const ASSET_PATH = '/gate/assets/';

/** The pages' Content-Security-Policy for a page served from `origin` (scheme, host and port). */
export function pageCsp(origin: string): string {
  const assets = origin + ASSET_PATH;
  return [
    "default-src 'none'",
    `script-src ${assets}`,
    `style-src ${assets}`,
    "img-src 'self' data:",
    "media-src 'self' blob:",
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

export interface PageOptions {
  title: string;
  locale: string;
  /** The page's script, if it has one (the status page has none). */
  script?: 'help' | 'console' | 'demo';
  /** The page script's own stylesheet (bundled beside it from the CSS it imports), if it has one. */
  scriptStylesheet?: boolean;
  body: HtmlEscapedString | Promise<HtmlEscapedString>;
  /** Data for the page's script, as JSON in a non-executable script element. */
  data?: unknown;
}

export function page(options: PageOptions) {
  const data = options.data === undefined ? '' : JSON.stringify(options.data).replace(/</g, '\\u003c');
  return html`<!doctype html>
<html lang="${options.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Hearth</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_PATH}hearth.css">${
    options.scriptStylesheet
      ? html`
<link rel="stylesheet" href="${ASSET_PATH}${options.script}.css">`
      : ''
  }
<script type="application/json" id="page-data">${raw(data)}</script>${
    options.script
      ? html`
<script src="${ASSET_PATH}${options.script}.js" defer></script>`
      : ''
  }
</head>
<body>
<main id="main">
${options.body}
</main>
</body>
</html>`;
}

/** Headers of every page served for `requestUrl`. */
export function pageHeaders(requestUrl: string): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': pageCsp(new URL(requestUrl).origin),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}
