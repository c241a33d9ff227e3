/**
 * Shaka Player adapter: `attachShaka(hearth, player)` adds the session to
 * every request to the gate (`registerRequestFilter`), reports a refused
 * request, and streams again on `resume`.
 *
 *   const player = new shaka.Player();
 *   await player.attach(video);
 *   attachShaka(hearth, player);
 *
 * Shaka answers a 4xx with a recoverable error and retries it. A 401 or 403
 * from the gate is not something a retry mends, so the adapter cancels that
 * retry (the networking engine's cancelable `retry` event): a refused
 * segment costs one request (two with the browser's preflight), and Shaka's
 * response filters (`registerResponseFilter`) see only successes, so the
 * refusal is read from the error itself, which keeps the answer's text.
 */
import type { Hearth } from './index.js';

/** The few parts of Shaka Player this adapter uses (no dependency on its types). */
export interface ShakaLike {
  getNetworkingEngine(): ShakaNetworking | null;
  retryStreaming(): boolean;
  addEventListener(type: 'error', listener: (event: Event & { detail?: ShakaError }) => void): void;
}
interface ShakaNetworking {
  registerRequestFilter(filter: (type: number, request: { uris: string[]; headers: Record<string, string> }) => void): void;
  addEventListener(type: 'retry', listener: (event: Event & { error?: ShakaError }) => void): void;
}
interface ShakaError {
  /** 1001: BAD_HTTP_STATUS, with data [uri, status, responseText, …]. */
  code: number;
  data: unknown[];
}

const BAD_HTTP_STATUS = 1001;
const refusedBy = (error: ShakaError | undefined) => error?.code === BAD_HTTP_STATUS && (error.data[1] === 401 || error.data[1] === 403);

export function attachShaka(hearth: Hearth, player: ShakaLike): () => void {
  const networking = player.getNetworkingEngine();
  networking?.registerRequestFilter((_type, request) => {
    Object.assign(request.headers, hearth.requestHeaders(request.uris[0] ?? ''));
  });
  networking?.addEventListener('retry', (event) => {
    if (refusedBy(event.error)) event.preventDefault();
  });
  player.addEventListener('error', (event) => {
    const error = event.detail;
    if (refusedBy(error)) void hearth.report(String(error!.data[0]), Number(error!.data[1]), error!.data[2]);
  });
  return hearth.on('resume', () => player.retryStreaming());
}

/** For `player.load(uri)`: a refused manifest rejects the load instead of raising `error`; report it the same way. */
export function reportShakaError(hearth: Hearth, error: unknown): void {
  const shakaError = error as ShakaError | undefined;
  if (refusedBy(shakaError)) void hearth.report(String(shakaError!.data[0]), Number(shakaError!.data[1]), shakaError!.data[2]);
}
