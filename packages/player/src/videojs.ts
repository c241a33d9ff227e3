/**
 * video.js adapter (its HTTP streaming, VHS): `attachVideojs(hearth, player)`
 * adds the session to every request to the gate (`xhr.onRequest`), reports a
 * refused one (`xhr.onResponse`), and stops loading at the first 401 or 403:
 * VHS treats a failed segment by excluding its rendition and, with none left,
 * retrying it, so a refusal would otherwise come back again and again — and a
 * 401 (a session that lapsed) is answered by a new decision, a round trip in
 * which VHS would already ask again. On `resume` the source is set again
 * where playback stopped. A refused segment costs one request (two with the
 * browser's preflight), as with the other adapters.
 *
 *   const player = videojs(video);
 *   attachVideojs(hearth, player);
 *   player.src({ src: 'https://gate.example/titles/demo/index.m3u8', type: 'application/x-mpegURL' });
 */
import type { Hearth } from './index.js';

/** The few parts of video.js this adapter uses (no dependency on its types). */
export interface VideojsLike {
  on(type: string, listener: () => void): void;
  tech(safety: { IWillNotUseThisInPlugins: true }): { vhs?: { xhr: VhsXhr } } | undefined;
  currentSource(): { src: string; type?: string };
  src(source?: { src: string; type?: string }): unknown;
  currentTime(seconds?: number): number;
  play(): Promise<void> | undefined;
  pause(): void;
  reset(): void;
}
interface VhsXhr {
  onRequest(hook: (options: { uri: string; headers?: Record<string, string> }) => object): void;
  onResponse(hook: (request: { uri: string; response?: unknown }, error: unknown, response: { statusCode: number; body?: unknown }) => void): void;
}

export function attachVideojs(hearth: Hearth, player: VideojsLike): () => void {
  let stopped: { source: { src: string; type?: string }; time: number } | null = null;
  const stop = () => {
    if (stopped) return;
    const source = player.currentSource();
    // Refused before any source was set (at start): nothing to stop, and the app's first play sets the source.
    if (!source?.src) return;
    stopped = { source, time: player.currentTime() };
    player.pause();
    // Reset disposes the tech, and with it VHS's loaders, its timers and its requests in flight: nothing asks again
    // for the refused rendition. (An empty source would not: video.js filters it out and only shows an error.)
    player.reset();
  };
  player.on('xhr-hooks-ready', () => {
    const xhr = player.tech({ IWillNotUseThisInPlugins: true })?.vhs?.xhr;
    xhr?.onRequest((options) => ({ ...options, headers: { ...options.headers, ...hearth.requestHeaders(options.uri) } }));
    xhr?.onResponse((request, _error, response) => {
      if (response.statusCode !== 401 && response.statusCode !== 403) return;
      // Once VHS has handled the failure (not from inside its own callback, which a new source would leave half-run);
      // a request it started again in that callback is aborted with its loaders.
      queueMicrotask(stop);
      void hearth.report(request.uri, response.statusCode, response.body ?? request.response);
    });
  });
  const offRefused = hearth.on('refused', stop);
  const offResume = hearth.on('resume', () => {
    if (!stopped) return;
    const { source, time } = stopped;
    stopped = null;
    player.src(source);
    player.currentTime(time);
    void player.play()?.catch(() => undefined);
  });
  return () => {
    offRefused();
    offResume();
  };
}
