/**
 * hls.js adapter: `hlsConfig(hearth)` gives the loader hooks (`xhrSetup`
 * for the default XHR loader, `fetchSetup` for the fetch loader), and
 * `attachHls(hearth, hls)` reports refused requests and loads again on
 * `resume`.
 *
 *   const hls = new Hls(hlsConfig(hearth));
 *   attachHls(hearth, hls);
 *
 * hls.js does not retry a 4xx itself (its default `shouldRetry`), but its
 * error handling loads the fragment again while the SDK asks the gate what
 * holds; so the adapter stops loading at the first 401 or 403 and starts
 * again on `resume`. A refused segment costs one request (two with the
 * browser's preflight).
 */
import type { Hearth } from './index.js';

/** The few parts of hls.js this adapter uses (no dependency on its types). */
export interface HlsLike {
  /** hls.js types its events as an enum (`Hls.Events.ERROR` is `'hlsError'`); `never` here accepts its generic `on`. */
  on(event: never, listener: never): void;
  startLoad(startPosition?: number): void;
  stopLoad(): void;
}
interface HlsErrorData {
  url?: string;
  frag?: { url: string };
  context?: { url: string };
  response?: { code: number; data?: unknown };
  networkDetails?: unknown;
}

export function hlsConfig<T extends object>(hearth: Hearth, config?: T) {
  return {
    ...config,
    xhrSetup(xhr: XMLHttpRequest, url: string) {
      if (!xhr.readyState) xhr.open('GET', url, true);
      for (const [name, value] of Object.entries(hearth.requestHeaders(url))) xhr.setRequestHeader(name, value);
    },
    fetchSetup(context: { url: string }, init: RequestInit) {
      const headers = new Headers(init.headers);
      for (const [name, value] of Object.entries(hearth.requestHeaders(context.url))) headers.set(name, value);
      return new Request(context.url, { ...init, headers });
    },
  };
}

export function attachHls(hearth: Hearth, hls: HlsLike): () => void {
  const events = hls as unknown as { on(event: 'hlsError', listener: (event: string, data: HlsErrorData) => void): void };
  events.on('hlsError', (_event, data) => {
    const status = data.response?.code ?? 0;
    if (status !== 401 && status !== 403) return;
    hls.stopLoad();
    const url = data.frag?.url ?? data.context?.url ?? data.url ?? '';
    const details = data.networkDetails as { response?: unknown } | undefined;
    void hearth.report(url, status, data.response?.data ?? (details instanceof XMLHttpRequest ? details.response : undefined));
  });
  return hearth.on('resume', () => hls.startLoad());
}
