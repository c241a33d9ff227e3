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
 * The simulated network and region (development only) travel as headers on
 * every request to the gate.
 */
import Hls from 'hls.js/light';
import { deviceKey, Hearth, isRefusal, type Question, type Refusal } from '../../../packages/player/src/index';
import { attachHls, hlsConfig } from '../../../packages/player/src/hls';
import { callApi, enableRemoteNavigation, setStatus } from './common';

const STREAM = '/titles/demo/index.m3u8';
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const video = $<HTMLVideoElement>('video');
const statusLine = $('demo-status');
const log = $('demo-log');
const help = $('demo-help');
let hls: Hls | null = null;
let hearth: Hearth | null = null;
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

function simulated(): Record<string, string> {
  return { 'CF-Connecting-IP': $<HTMLSelectElement>('demo-network').value, 'Hearth-Sim-Country': $<HTMLSelectElement>('demo-region').value };
}

function record(url: string, decision: string | null, httpStatus: number): void {
  const item = document.createElement('li');
  const outcome = decision?.split(';')[0] ?? 'none';
  item.className = outcome;
  item.textContent = `${new Date().toLocaleTimeString()}  ${httpStatus}  ${new URL(url, location.href).pathname}  ${decision ?? '(no decision)'}`;
  log.prepend(item);
  while (log.children.length > 200) log.lastElementChild?.remove();
}

/** The SDK's refusal event: why the gate refused, and the code flow when a code can help. */
function showRefusal(refusal: Refusal): void {
  $('demo-help-title').textContent = refusal.decision ? `${refusal.decision}: ${refusal.reason}` : refusal.reason;
  $('demo-help-message').textContent = refusal.message;
  $<HTMLButtonElement>('demo-send-code').hidden = !refusal.actions.some((action) => action.id === 'verify');
  help.hidden = false;
  setStatus(statusLine, 'Playback stopped: the gate refused this device.', 'bad');
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
    if (data.fatal && data.response?.code !== 401 && data.response?.code !== 403) setStatus(statusLine, `Playback error: ${data.details}`, 'bad');
  });
}

async function play(): Promise<void> {
  const run = ++plays;
  stop();
  help.hidden = true;
  $<HTMLFormElement>('demo-code-form').hidden = true;
  $('demo-question').hidden = true;
  if (!Hls.isSupported()) return setStatus(statusLine, 'This browser cannot play HLS through Media Source Extensions.', 'bad');
  const deviceSelect = $<HTMLSelectElement>('demo-device');
  const account = $<HTMLInputElement>('demo-account').value.trim();
  const type = deviceSelect.selectedOptions[0]?.dataset.type ?? 'other';
  // The device's key, made in this browser (one per demo device); the sign-in binds the token to its public half.
  const key = await deviceKey(`demo:${account}:${deviceSelect.value}`);
  const minted = await callApi('POST', '/gate/dev/device-token', { body: { account, device: deviceSelect.value, type, jwk: key.jwk } });
  if (run !== plays) return;
  if (!minted.ok) return setStatus(statusLine, `Could not sign in the device: ${minted.body?.detail ?? minted.status}`, 'bad');
  const headers = simulated();
  hearth = new Hearth({ gate: location.origin, token: () => minted.body.token, key, headers, language: navigator.languages.join(',') });
  hearth.on('refused', showRefusal);
  hearth.on('question', showQuestion);
  hearth.on('resume', () => {
    help.hidden = true;
    setStatus(statusLine, 'Playing again.');
  });
  const decision = await hearth.start();
  if (isRefusal(decision) || run !== plays) return;
  hls = new Hls(hlsConfig(hearth, { enableWorker: false }));
  attachHls(hearth, hls);
  recordRequests(hls);
  hls.loadSource(STREAM);
  hls.attachMedia(video);
  setStatus(
    statusLine,
    `Playing as ${deviceSelect.selectedOptions[0]?.textContent} from ${headers['CF-Connecting-IP']} in ${headers['Hearth-Sim-Country']}, with a key bound to this browser (${key.thumbprint.slice(0, 8)}…).`,
  );
  video.play().catch(() => undefined);
}

$('demo-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void play();
});
$('demo-stop').addEventListener('click', () => {
  stop();
  setStatus(statusLine, 'Stopped.');
});

$('demo-send-code').addEventListener('click', async () => {
  if (!hearth) return;
  const opened = await hearth.challenge();
  if (isRefusal(opened)) return setStatus(statusLine, opened.message || opened.reason, 'bad');
  challengeId = opened.challengeId;
  $<HTMLFormElement>('demo-code-form').hidden = false;
  setStatus(statusLine, 'A code was sent to the account owner (in development: the npm run dev log).');
  $('demo-code').focus();
});

$('demo-code-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!hearth || !challengeId) return;
  const result = await hearth.verify(challengeId, $<HTMLInputElement>('demo-code').value.trim());
  if (isRefusal(result)) {
    const left = typeof result.attemptsRemaining === 'number' ? ` ${result.attemptsRemaining} attempts left.` : '';
    return setStatus(statusLine, `${result.message || 'Wrong code.'}${left}`, 'bad');
  }
  if (result.accessUntil) $('demo-access').textContent = `Temporary access until ${new Date(result.accessUntil).toLocaleString()}.`;
  // Refused at the start, there is no player yet: start it now (a refusal mid-stream resumes through the adapter).
  if (!hls) await play();
});

enableRemoteNavigation();
// Opening the demo shows video playing at once: the default device is the TV at home (muted, so browsers allow it).
void play();
