/**
 * The demo player: hls.js (bundled from npm) plays the demo stream through
 * the gate as the chosen device, from the chosen network and region, the way
 * a player should: a decision first (`GET /gate/v1/decision`), whose allow
 * sets the playback session cookie the segments then carry. Each
 * request's Hearth-Decision is listed; a refusal shows the help message and
 * the code flow inline, and a verified code resumes playback.
 */
import Hls from 'hls.js/light';
import { callApi, enableRemoteNavigation, setStatus, type ApiResult } from './common';

const STREAM = '/titles/demo/index.m3u8';
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const video = $<HTMLVideoElement>('video');
const statusLine = $('demo-status');
const log = $('demo-log');
const help = $('demo-help');
let hls: Hls | null = null;
let challengeId: string | null = null;

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

/** Shows why the gate refused; `decided` is a decision already asked for (else one is asked now). */
async function showRefusal(decided?: ApiResult): Promise<void> {
  const result = decided ?? (await callApi('GET', '/gate/v1/decision', { headers: simulated() }));
  const body = result.body ?? {};
  $('demo-help-title').textContent = body.decision ? `${body.decision}: ${body.reason}` : (body.title ?? 'Refused');
  $('demo-help-message').textContent = body.message ?? body.detail ?? '';
  $<HTMLButtonElement>('demo-send-code').hidden = !(body.actions ?? []).some((a: { id: string }) => a.id === 'verify');
  help.hidden = false;
  setStatus(statusLine, 'Playback stopped: the gate refused this device.', 'bad');
  $<HTMLButtonElement>('demo-send-code').focus();
}

function stop(): void {
  hls?.destroy();
  hls = null;
  video.removeAttribute('src');
  video.load();
}

async function play(): Promise<void> {
  stop();
  help.hidden = true;
  $<HTMLFormElement>('demo-code-form').hidden = true;
  const deviceSelect = $<HTMLSelectElement>('demo-device');
  const type = deviceSelect.selectedOptions[0]?.dataset.type ?? 'other';
  const minted = await callApi('POST', '/gate/dev/device-token', { body: { account: $<HTMLInputElement>('demo-account').value.trim(), device: deviceSelect.value, type } });
  if (!minted.ok) return setStatus(statusLine, `Could not sign in the device: ${minted.body?.detail ?? minted.status}`, 'bad');
  if (!Hls.isSupported()) return setStatus(statusLine, 'This browser cannot play HLS through Media Source Extensions.', 'bad');
  const headers = simulated();
  // The decision: an allow sets the hearth_session cookie (the browser keeps it; this script never sees it).
  const decision = await callApi('GET', '/gate/v1/decision', { headers });
  if (!decision.ok || decision.body?.decision !== 'allow') return showRefusal(decision);
  hls = new Hls({
    enableWorker: false,
    xhrSetup: (xhr) => {
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    },
  });
  hls.on(Hls.Events.MANIFEST_LOADED, (_event, data) => {
    const xhr = data.networkDetails as XMLHttpRequest | undefined;
    record(data.url, xhr?.getResponseHeader('Hearth-Decision') ?? null, xhr?.status ?? 200);
  });
  hls.on(Hls.Events.FRAG_LOADED, (_event, data) => {
    const xhr = data.networkDetails as XMLHttpRequest | undefined;
    record(data.frag.url, xhr?.getResponseHeader('Hearth-Decision') ?? null, xhr?.status ?? 200);
  });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    const xhr = data.networkDetails as XMLHttpRequest | undefined;
    if (xhr && typeof xhr.getResponseHeader === 'function') record(data.url ?? data.frag?.url ?? STREAM, xhr.getResponseHeader('Hearth-Decision'), xhr.status);
    const code = data.response?.code ?? xhr?.status;
    if (code === 401 || code === 403) {
      stop();
      void showRefusal();
    } else if (data.fatal) {
      setStatus(statusLine, `Playback error: ${data.details}`, 'bad');
    }
  });
  hls.loadSource(STREAM);
  hls.attachMedia(video);
  setStatus(statusLine, `Playing as ${deviceSelect.selectedOptions[0]?.textContent} from ${headers['CF-Connecting-IP']} in ${headers['Hearth-Sim-Country']}.`);
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
  const result = await callApi('POST', '/gate/v1/challenges', { headers: simulated() });
  if (!result.ok) return setStatus(statusLine, result.body?.message ?? result.body?.detail ?? 'Could not send a code.', 'bad');
  challengeId = result.body.challengeId;
  $<HTMLFormElement>('demo-code-form').hidden = false;
  setStatus(statusLine, 'A code was sent to the account owner (in development: the npm run dev log).');
  $('demo-code').focus();
});

$('demo-code-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const code = $<HTMLInputElement>('demo-code').value.trim();
  const result = await callApi('POST', `/gate/v1/challenges/${challengeId}/verify`, { body: { code } });
  if (!result.ok) {
    const left = typeof result.body?.attemptsRemaining === 'number' ? ` ${result.body.attemptsRemaining} attempts left.` : '';
    return setStatus(statusLine, `${result.body?.message ?? 'Wrong code.'}${left}`, 'bad');
  }
  $('demo-access').textContent = `Temporary access until ${new Date(result.body.expiresAt).toLocaleString()}.`;
  await play();
});

enableRemoteNavigation();
// Opening the demo shows video playing at once: the default device is the TV at home (muted, so browsers allow it).
void play();
