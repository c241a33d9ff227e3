/**
 * What every page script needs: the page's data, JSON calls that turn
 * problem details into readable messages, and remote-friendly navigation
 * (arrow keys move focus, Enter activates) for TVs.
 */

export function pageData<T>(): T {
  const element = document.getElementById('page-data');
  return JSON.parse(element?.textContent || '{}') as T;
}

export interface ApiResult<T = any> {
  ok: boolean;
  status: number;
  body: T;
  headers: Headers;
}

export async function callApi<T = any>(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<ApiResult<T>> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...options.headers },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { detail: text };
  }
  return { ok: response.ok, status: response.status, body, headers: response.headers };
}

export function formatTime(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key] ?? ''));
}

export function setStatus(element: HTMLElement, text: string, tone: 'ok' | 'bad' | '' = ''): void {
  element.textContent = text;
  element.className = `status ${tone}`.trim();
}

// `summary`: a folded section (the help page's devices and glossary) opens with Enter once the remote reaches it.
const FOCUSABLE = 'a[href], summary, button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Arrow keys move focus through the page's controls, in order, like a TV remote expects. */
export function enableRemoteNavigation(): void {
  document.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement | null;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
    const forward = event.key === 'ArrowDown' || (event.key === 'ArrowRight' && !typing);
    const backward = event.key === 'ArrowUp' || (event.key === 'ArrowLeft' && !typing);
    if (!forward && !backward) return;
    if (target instanceof HTMLSelectElement && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) return;
    const items = [...document.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null);
    if (items.length === 0) return;
    const index = target ? items.indexOf(target) : -1;
    const next = items[(index + (forward ? 1 : -1) + items.length) % items.length];
    next?.focus();
    event.preventDefault();
  });
}
