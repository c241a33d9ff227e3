/**
 * The HTML shell every page shares: language, viewport, one same-origin
 * stylesheet and script, and a Content-Security-Policy that allows nothing
 * from elsewhere — the pages are self-contained (no external fonts, scripts
 * or CDNs).
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export interface PageOptions {
  title: string;
  locale: string;
  script: 'help' | 'console' | 'demo';
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
<link rel="stylesheet" href="/gate/assets/hearth.css">
<script type="application/json" id="page-data">${raw(data)}</script>
<script src="/gate/assets/${options.script}.js" defer></script>
</head>
<body>
<main id="main">
${options.body}
</main>
</body>
</html>`;
}

export const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': PAGE_CSP,
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};
