/**
 * video.js adapter (its HTTP streaming, VHS): `attachVideojs(hearth, player)`
 * adds the session to every request to the gate (`xhr.onRequest`), reports a
 * refused one (`xhr.onResponse`), and stops loading while refused: VHS
 * treats a failed segment by excluding its rendition and, with none left,
 * retrying it, so a refusal would otherwise come back again and again. On
 * `resume` the source is set again where playback stopped.
 *
 *   const player = videojs(video);
 *   attachVideojs(hearth, player);
 *   player.src({ src: 'https://gate.example/titles/demo/index.m3u8', type: 'application/x-mpegURL' });
 */
import type { Hearth } from './index';

/** The few parts of video.js this adapter uses (no dependency on its types). */
export interface VideojsLike {
  on(type: string, listener: () => void): void;
  tech(safety: { IWillNotUseThisInPlugins: true }): { vhs?: { xhr: VhsXhr } } | undefined;
  currentSource(): { src: string; type?: string };
  src(source?: { src: string; type?: string }): unknown;
  currentTime(seconds?: number): number;
  play(): Promise<void> | undefined;
  pause(): void;
}
interface VhsXhr {
  onRequest(hook: (options: { uri: string; headers?: Record<string, string> }) => object): void;
  onResponse(hook: (request: { uri: string; response?: unknown }, error: unknown, response: { statusCode: number; body?: unknown }) => void): void;
}

export function attachVideojs(hearth: Hearth, player: VideojsLike): () => void {
  let stopped: { source: { src: string; type?: string }; time: number } | null = null;
  player.on('xhr-hooks-ready', () => {
    const xhr = player.tech({ IWillNotUseThisInPlugins: true })?.vhs?.xhr;
    xhr?.onRequest((options) => ({ ...options, headers: { ...options.headers, ...hearth.requestHeaders(options.uri) } }));
    xhr?.onResponse((request, _error, response) => void hearth.report(request.uri, response.statusCode, response.body ?? request.response));
  });
  const offRefused = hearth.on('refused', () => {
    if (stopped) return;
    stopped = { source: player.currentSource(), time: player.currentTime() };
    player.pause();
    // An empty source stops VHS's loaders (and with them its retries of the refused rendition).
    player.src({ src: '' });
  });
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
