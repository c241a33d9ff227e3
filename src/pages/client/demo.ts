/**
 * The demo player, built on the player SDK (packages/player, docs/players.md)
 * the way a player developer would use it: the browser makes the device's
 * key (WebCrypto, non-extractable, kept in IndexedDB), the development sign-in
 * binds the device token to it, and the SDK asks for the decision with a DPoP
 * proof, holds the playback session and puts it on every request hls.js
 * makes (the hls.js adapter). A refusal arrives once, as the SDK's event,
 * with the message and actions shown inline; the code flow runs through the
 * SDK, and a verified code resumes playback without reloading. After a
 * refusal the SDK's question (contract §8) is offered as one button per
 * situation, and its answer says what happens next.
 *
 * The log shows each play's device, network and region, then its decision
 * (a refusal included) and every request hls.js made. "Try a refusal" sets
 * a development rule for the chosen region (`POST /gate/dev/demo-rule`) and
 * plays a cousin's phone from a café. The help page, opened from here, is
 * handed this device (help-handoff.ts): a bound device has no cookie, so the
 * help page could not otherwise know it; a code entered there resumes
 * playback here.
 *
 * The simulated network and region (development only) travel as headers on
 * every request to the gate.
 */
import Hls from 'hls.js/light';
import { deviceKey, Hearth, isRefusal, type DeviceKey, type Question, type Refusal } from '../../../packages/player/src/index';
import { attachHls, hlsConfig } from '../../../packages/player/src/hls';
import { callApi, enableRemoteNavigation, fill, pageData, setStatus } from './common';
import { HANDOFF_READY, HANDOFF_SERVED, type DeviceHandoff } from './help-handoff';

const { words, ui } = pageData<{ words: Record<string, string>; ui: Record<string, string> }>();
const STREAM = '/titles/demo/index.m3u8';
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const video = $<HTMLVideoElement>('video');
const statusLine = $('demo-status');
const log = $('demo-log');
const help = $('demo-help');
const select = (id: string) => $<HTMLSelectElement>(id);
let hls: Hls | null = null;
let hearth: Hearth | null = null;
/** The device the current play signed in: what the help page is handed. */
let signedIn: DeviceHandoff | null = null;
let challengeId: string | null = null;
/** Each play() that starts makes the earlier ones stand down at their next step. */
let plays = 0;

/**
 * The demo's account, one per browser: the household records the key each
 * device id was first seen with, so a device id another browser (or the
 * README's curl walkthrough, unbound, on `acct-demo`) used first would be
 * refused here. Kept in localStorage; the field can still name any account.
 */
function demoAccount(): string {
  const kept = localStorage.getItem('hearth-demo-account');
  if (kept) return kept;
  const made = `acct-demo-${crypto.randomUUID().slice(0, 8)}`;
  localStorage.setItem('hearth-demo-account', made);
  return made;
}
$<HTMLInputElement>('demo-account').value = demoAccount();

function simulated(network = select('demo-network').value): Record<string, string> {
  return { 'CF-Connecting-IP': network, 'Hearth-Sim-Country': select('demo-region').value };
}

function logLine(text: string, className: string): void {
  const item = document.createElement('li');
  item.className = className;
  item.textContent = text;
  log.prepend(item);
  while (log.children.length > 200) log.lastElementChild?.remove();
}

function record(url: string, decision: string | null, httpStatus: number): void {
  const outcome = decision?.split(';')[0] ?? 'none';
  logLine(`${new Date().toLocaleTimeString()}  ${httpStatus}  ${new URL(url, location.href).pathname}  ${decision ?? '(no decision)'}`, outcome);
}

/** The SDK's refusal event: why the gate refused, and the code flow when a code can help. */
function showRefusal(refusal: Refusal): void {
  $('demo-help-reason').textContent = refusal.decision ? `${refusal.decision}: ${refusal.reason}` : refusal.reason;
  $('demo-help-message').textContent = refusal.message;
  $<HTMLButtonElement>('demo-send-code').hidden = !refusal.actions.some((action) => action.id === 'verify');
  help.hidden = false;
  setStatus(statusLine, words.refused!, 'bad');
  $<HTMLButtonElement>('demo-send-code').focus();
}

/** The SDK's question after a refusal (contract §8): one button per situation; a tap sends it and shows what happens next. */
function showQuestion(question: Question): void {
  $('demo-question-title').textContent = question.question;
  const answer = $('demo-answer');
  setStatus(answer, '');
  $('demo-choices').replaceChildren(
    ...question.choices.map(({ situation, label }) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = label;
      button.dataset.situation = situation;
      button.addEventListener('click', async () => {
        const given = await hearth?.feedback(situation);
        if (!given) return;
        if (isRefusal(given)) return setStatus(answer, given.message || given.reason, 'bad');
        $('demo-choices').replaceChildren();
        setStatus(answer, given.message, 'ok');
      });
      return button;
    }),
  );
  $('demo-question').hidden = false;
}

function stop(): void {
  hls?.destroy();
  hls = null;
  hearth?.destroy();
  hearth = null;
  video.removeAttribute('src');
  video.load();
}

/** Every request hls.js made, with the decision the gate gave it. */
function recordRequests(player: Hls): void {
  const networkOf = (data: { networkDetails?: unknown }) => data.networkDetails as XMLHttpRequest | undefined;
  player.on(Hls.Events.MANIFEST_LOADED, (_event, data) => record(data.url, networkOf(data)?.getResponseHeader('Hearth-Decision') ?? null, networkOf(data)?.status ?? 200));
  player.on(Hls.Events.FRAG_LOADED, (_event, data) => record(data.frag.url, networkOf(data)?.getResponseHeader('Hearth-Decision') ?? null, networkOf(data)?.status ?? 200));
  player.on(Hls.Events.ERROR, (_event, data) => {
    const xhr = networkOf(data);
    if (xhr && typeof xhr.getResponseHeader === 'function') record(data.url ?? data.frag?.url ?? STREAM, xhr.getResponseHeader('Hearth-Decision'), xhr.status);
    if (data.fatal && data.response?.code !== 401 && data.response?.code !== 403) setStatus(statusLine, fill(words.playbackError!, { details: data.details }), 'bad');
  });
}

/** Signs a demo device in the way an account service would: a token bound to the key this browser made for it. */
async function signIn(account: string, device: string, type: string): Promise<{ token: string; key: DeviceKey } | string> {
  const key = await deviceKey(`demo:${account}:${device}`);
  const minted = await callApi('POST', '/gate/dev/device-token', { body: { account, device, type, jwk: key.jwk } });
  return minted.ok ? { token: minted.body.token as string, key } : String(minted.body?.detail ?? minted.status);
}

async function play(): Promise<void> {
  const run = ++plays;
  stop();
  help.hidden = true;
  $<HTMLFormElement>('demo-code-form').hidden = true;
  $('demo-question').hidden = true;
  if (!Hls.isSupported()) return setStatus(statusLine, words.noHls!, 'bad');
  const deviceSelect = select('demo-device');
  const account = $<HTMLInputElement>('demo-account').value.trim();
  const type = deviceSelect.selectedOptions[0]?.dataset.type ?? 'other';
  const headers = simulated();
  const who = { device: deviceSelect.selectedOptions[0]?.textContent ?? '', network: select('demo-network').selectedOptions[0]?.textContent ?? '', region: headers['Hearth-Sim-Country']! };
  logLine(`▶ ${who.device} · ${who.network} · ${who.region}`, 'play');
  const device = await signIn(account, deviceSelect.value, type);
  if (run !== plays) return;
  if (typeof device === 'string') return setStatus(statusLine, fill(words.signInFailed!, { detail: device }), 'bad');
  signedIn = { token: device.token, key: device.key, headers };
  hearth = new Hearth({ gate: location.origin, token: () => device.token, key: device.key, headers, language: document.documentElement.lang });
  hearth.on('refused', showRefusal);
  hearth.on('question', showQuestion);
  hearth.on('resume', () => {
    help.hidden = true;
    setStatus(statusLine, words.playingAgain!);
  });
  const decision = await hearth.start();
  if (run !== plays) return;
  // The decision itself, in the log like the requests after it: a refusal shows here in red.
  if (isRefusal(decision)) return record(decision.url, `${decision.decision ?? 'refused'}; reason=${decision.reason}`, decision.status);
  record(`${location.origin}/gate/v1/decision`, `${decision.decision}; reason=${decision.reason}`, 200);
  hls = new Hls(hlsConfig(hearth, { enableWorker: false }));
  attachHls(hearth, hls);
  recordRequests(hls);
  hls.loadSource(STREAM);
  hls.attachMedia(video);
  setStatus(statusLine, fill(words.playing!, { ...who, key: device.key.thumbprint.slice(0, 8) }));
  video.play().catch(() => undefined);
}

/** After a code served (here or on the help page): a new decision, which resumes playback, or a first start. */
async function resume(): Promise<void> {
  if (!hls || !hearth) return play();
  await hearth.start();
}

$('demo-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void play();
});
$('demo-stop').addEventListener('click', () => {
  plays++;
  stop();
  setStatus(statusLine, words.stopped!);
});

$('demo-send-code').addEventListener('click', async () => {
  if (!hearth) return;
  const opened = await hearth.challenge();
  if (isRefusal(opened)) return setStatus(statusLine, opened.message || opened.reason, 'bad');
  challengeId = opened.challengeId;
  $<HTMLFormElement>('demo-code-form').hidden = false;
  setStatus(statusLine, words.codeSent!);
  $('demo-code').focus();
});

$('demo-code-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!hearth || !challengeId) return;
  const result = await hearth.verify(challengeId, $<HTMLInputElement>('demo-code').value.trim());
  if (isRefusal(result)) {
    const left = typeof result.attemptsRemaining === 'number' ? ` ${fill(ui.attemptsLeft!, { n: result.attemptsRemaining })}` : '';
    return setStatus(statusLine, `${result.message || ui.failed}${left}`, 'bad');
  }
  if (result.accessUntil) $('demo-access').textContent = fill(words.accessUntil!, { time: new Date(result.accessUntil).toLocaleString(document.documentElement.lang) });
  // Refused at the start, there is no player yet: start it now (a refusal mid-stream resumes through the adapter).
  if (!hls) await play();
});

// The help page, opened from here, keeps this window as its opener: it asks for the device, and says when a code served.
$('demo-help-page').addEventListener('click', (event) => {
  event.preventDefault();
  window.open((event.currentTarget as HTMLAnchorElement).href, '_blank');
});
window.addEventListener('message', (event) => {
  if (event.origin !== location.origin || !event.source) return;
  if (event.data?.type === HANDOFF_READY && signedIn) (event.source as Window).postMessage({ type: 'hearth-device', device: signedIn }, location.origin);
  if (event.data?.type === HANDOFF_SERVED) void resume();
});

// "Try a refusal": a development rule for the chosen region, then a device the household has never seen, from a café.
const tryStatus = $('demo-try-status');
const region = select('demo-region');
region.addEventListener('change', () => ($('demo-try-text').textContent = fill(words.tryText!, { region: region.value })));
async function demoRule(refuse: boolean): Promise<boolean> {
  const changed = await callApi('POST', '/gate/dev/demo-rule', { body: { region: region.value, refuse } });
  if (!changed.ok) setStatus(tryStatus, changed.body?.detail ?? ui.failed, 'bad');
  else setStatus(tryStatus, fill(refuse ? words.tryDone! : words.tryUndone!, { region: region.value }), refuse ? 'bad' : 'ok');
  return changed.ok;
}
$('demo-try-refusal').addEventListener('click', async () => {
  if (!(await demoRule(true))) return;
  // The household forms on the TV at home first (a new account has none), so the cousin is outside it.
  const account = $<HTMLInputElement>('demo-account').value.trim();
  const tv = await signIn(account, 'tv-living-room', 'tv');
  if (typeof tv !== 'string') {
    const home = new Hearth({ gate: location.origin, token: () => tv.token, key: tv.key, headers: simulated('203.0.113.10') });
    await home.start();
    home.destroy();
  }
  select('demo-device').value = 'phone-cousin';
  select('demo-network').value = '198.51.100.20';
  await play();
});
$('demo-try-undo').addEventListener('click', () => void demoRule(false));

enableRemoteNavigation();
// Opening the demo shows video playing at once: the default device is the TV at home (muted, so browsers allow it).
void play();
