/**
 * The player developer's page for test/node/players.test.ts: served from a
 * loopback origin other than the gate's, it plays through the SDK with
 * hls.js, Shaka Player or video.js (loaded from npm by <script>), and keeps
 * what the SDK told it in `window.seen` for the test to read.
 */
import { deviceKey, Hearth, isRefusal, type Refusal } from '../../../packages/player/src/index';
import { attachHls, hlsConfig, type HlsLike } from '../../../packages/player/src/hls';
import { attachShaka, reportShakaError, type ShakaLike } from '../../../packages/player/src/shaka';
import { attachVideojs, type VideojsLike } from '../../../packages/player/src/videojs';

declare const Hls: { new (config: object): HlsLike & { loadSource(url: string): void; attachMedia(video: HTMLVideoElement): void } };
declare const shaka: { Player: new () => ShakaLike & { attach(video: HTMLVideoElement): Promise<void>; load(url: string): Promise<void>; configure(config: object): void } };
declare const videojs: ((video: HTMLVideoElement, options: object) => VideojsLike) & { Vhs: { GOAL_BUFFER_LENGTH: number; MAX_GOAL_BUFFER_LENGTH: number } };

export interface Seen {
  refusals: Refusal[];
  sessions: number;
  resumes: number;
  startedWith?: string;
}

const seen: Seen = { refusals: [], sessions: 0, resumes: 0 };
let hearth: Hearth | null = null;

async function play(player: 'hls' | 'shaka' | 'videojs', gate: string, token: string, bound: boolean): Promise<string> {
  const key = bound ? await deviceKey('test-device') : undefined;
  hearth = new Hearth({ gate, token: () => token, ...(key ? { key } : {}) });
  hearth.on('refused', (refusal) => seen.refusals.push(refusal));
  hearth.on('session', () => seen.sessions++);
  hearth.on('resume', () => seen.resumes++);
  const decision = await hearth.start();
  if (isRefusal(decision)) return (seen.startedWith = decision.reason);
  seen.startedWith = decision.reason;
  const video = document.querySelector('video')!;
  const stream = `${gate}/titles/demo/index.m3u8`;
  if (player === 'hls') {
    // Small buffers: the stream is 20 s, and a segment must be asked for after the access lapses.
    const hls = new Hls(hlsConfig(hearth, { enableWorker: false, maxBufferLength: 4, maxMaxBufferLength: 4 }));
    attachHls(hearth, hls);
    hls.loadSource(stream);
    hls.attachMedia(video);
  } else if (player === 'shaka') {
    const shakaPlayer = new shaka.Player();
    await shakaPlayer.attach(video);
    shakaPlayer.configure({ streaming: { bufferingGoal: 4, rebufferingGoal: 1 } });
    attachShaka(hearth, shakaPlayer);
    await shakaPlayer.load(stream).catch((error: unknown) => reportShakaError(hearth!, error));
  } else {
    // Small buffers, as for hls.js and Shaka above: the stream is 20 s, and a segment must be asked for after the access lapses.
    videojs.Vhs.GOAL_BUFFER_LENGTH = 4;
    videojs.Vhs.MAX_GOAL_BUFFER_LENGTH = 4;
    const vjs = videojs(video, { muted: true, autoplay: true });
    attachVideojs(hearth, vjs);
    vjs.src({ src: stream, type: 'application/x-mpegURL' });
  }
  await video.play().catch(() => undefined);
  return decision.reason;
}

/** The token hook and renewal: the app's first token has expired, the SDK asks again with `expired: true`; `online` renews the session. */
async function refreshAndRenew(gate: string, expiredToken: string, freshToken: string) {
  const calls: boolean[] = [];
  let sessions = 0;
  const sdk = new Hearth({ gate, token: ({ expired }) => (calls.push(expired), expired ? freshToken : expiredToken) });
  let secondSession: () => void = () => undefined;
  const renewal = new Promise<void>((resolve) => (secondSession = resolve));
  sdk.on('session', () => {
    sessions++;
    if (sessions === 2) secondSession();
  });
  const decision = await sdk.start();
  const before = sessions;
  dispatchEvent(new Event('online'));
  await Promise.race([renewal, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  // Renewed: a new decision handed out a session after the network change. (Two sessions issued in the same
  // second for the same device and network are the same credential, so comparing the strings would not tell.)
  const renewed = sessions > before && sdk.session !== null;
  sdk.destroy();
  return { reason: decision.reason, calls, sessions, renewed };
}

Object.assign(window, {
  seen,
  play,
  refreshAndRenew,
  /** The device's key: made in this browser, non-extractable, kept in IndexedDB. */
  async deviceKeyInfo() {
    const key = await deviceKey('test-device');
    let exported = true;
    try {
      await crypto.subtle.exportKey('jwk', key.privateKey);
    } catch {
      exported = false;
    }
    return { jwk: key.jwk, thumbprint: key.thumbprint, extractable: key.privateKey.extractable, exported };
  },
  /** The last refusal's `status` action, as the SDK handed it to the app, shown as the app would: a link in the page. */
  linkStatus() {
    const action = seen.refusals.at(-1)?.actions.find((candidate) => candidate.id === 'status');
    if (!action) return null;
    const link = Object.assign(document.createElement('a'), { id: 'status-link', href: action.href, textContent: 'What the household check does here' });
    document.body.append(link);
    return action.href;
  },
  async challenge() {
    const opened = await hearth!.challenge();
    return isRefusal(opened) ? opened.reason : opened.challengeId;
  },
  async verify(challengeId: string, code: string) {
    const result = await hearth!.verify(challengeId, code);
    return result.reason;
  },
  async askAwayAccess(days: number) {
    const opened = await hearth!.challenge('away-access', { days });
    return isRefusal(opened) ? opened.reason : opened.challengeId;
  },
  async awayAccess(challengeId: string, code: string) {
    const result = await hearth!.awayAccess(challengeId, code);
    return result.reason;
  },
});
