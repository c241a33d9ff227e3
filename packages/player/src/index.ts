/**
 * Hearth's player SDK, the core (docs/players.md). One `Hearth` per playback:
 *
 * - `start()` asks the gate for a decision (`GET /gate/v1/decision`); an
 *   allow brings a playback session (contract §2.1), which the SDK holds and
 *   attaches to every request to the gate (`requestHeaders`, `Hearth-Session`);
 * - with a device key (`key`), the token is sent as `DPoP` with a proof made
 *   by that key, on the decision and every device-API call;
 * - a refused request (401 or 403, from the decision or a segment) becomes one
 *   `refused` event: `{ reason, message, actions }`, the message in the
 *   viewer's language. Further refusals while refused are counted, not
 *   repeated, so a player's retries never turn into a storm of events;
 * - a session that lapsed or belongs to another network (`SESSION_INVALID`)
 *   is renewed by a new decision, without an event; so is a session nearing
 *   its end, and one after a network change (`online`, Network Information);
 * - `challenge()` and `verify()` run the code flow for the app's own UI; a
 *   verified code brings a new decision and a `resume` event the adapters
 *   answer by loading again;
 * - `token({ expired })` is the app's token hook: called for each decision,
 *   and once more with `expired: true` after `TOKEN_EXPIRED`;
 * - every action's `href` is absolute, on the gate (contract §5): the app
 *   links or fetches it as it is, from whatever origin the player is on. A
 *   gate before v1.4 sent paths; those are resolved against the gate the SDK
 *   was given, never against the page.
 * - after a refusal that offers it (the `feedback` action, contract §8), a
 *   `question` event brings "which of these fits you?" and its six answers
 *   in the viewer's language; `feedback(situation)` sends the one tap and
 *   answers with what happens next for that situation.
 *
 * No runtime dependency; adapters for hls.js, Shaka Player and video.js are
 * in `./hls`, `./shaka` and `./videojs`.
 */
import type { Decision, FeedbackCreated, FeedbackQuestion, Problem } from './gate-api.js';
import { dpopProof, type DeviceKey } from './device-key.js';
import { unreachableMessage } from './unreachable.js';

export { deviceKey, dpopProof, forgetDeviceKey, type DeviceKey } from './device-key.js';
export type { Decision, FeedbackCreated, Problem };
/** Why the viewer is where they are (contract §8). */
export type Situation = FeedbackQuestion['choices'][number]['situation'];
/** The question after a refusal, in the viewer's language, and the refusal it follows. */
export type Question = FeedbackQuestion & { requestId?: string };
export type Action = Problem['actions'][number];
/** What a code approves (contract §6). */
export type CodePurpose = 'access' | 'primary-location' | 'sign-out' | 'second-home' | 'away-access';

const REFUSAL: unique symbol = Symbol('refusal');

/** A refusal as the app shows it. */
export interface Refusal {
  /** The HTTP status: 401 (a credential problem) or 403 (challenge, deny); 0 when the gate could not be reached. */
  status: number;
  reason: string;
  /** For the viewer, in their language (`Accept-Language`). */
  message: string;
  actions: Action[];
  decision?: string;
  requestId?: string;
  /** The request that was refused. */
  url: string;
  attemptsRemaining?: number;
  /** Marks refusals apart from decisions (`isRefusal`). */
  readonly [REFUSAL]: true;
}

export interface HearthOptions {
  /** The gate's origin (`https://gate.example`): the decision, the device API and playback live there. */
  gate: string;
  /** The device token hook: called for each decision and code request, and with `expired: true` after TOKEN_EXPIRED. */
  token: (context: { expired: boolean }) => string | Promise<string>;
  /** The device key the token is bound to (`deviceKey()`): every gate call then carries a DPoP proof. */
  key?: DeviceKey;
  /** The viewer's languages for messages; default the page's `lang`, then the browser's. */
  language?: string;
  /** More headers on every request to the gate (the development demo's simulated network and region). From another origin, only headers the gate's CORS allows. */
  headers?: Record<string, string>;
  /** Renew the session this long before it ends (ms); default 60 s. */
  renewBeforeMs?: number;
}

export interface HearthEvents {
  /** A request was refused: show `message` and offer `actions`. Once per refusal, however many requests it cost. */
  refused: Refusal;
  /** A new playback session (after a decision that allows). */
  session: { expiresAt: string };
  /** Playback may go on after a refusal or a renewed session: adapters load again. */
  resume: Decision;
  /** After a refusal that offers the `feedback` action: ask it, one tap per choice, and send the tap with `feedback()`. Once per refusal. */
  question: Question;
}

type Listener<T> = (value: T) => void;
const DECISION = '/gate/v1/decision';
const FEEDBACK = '/gate/v1/feedback';

export class Hearth {
  /** The playback session the gate issued, sent as `Hearth-Session`. */
  session: string | null = null;
  /** The refusal in force, if any (cleared by the next allow). */
  refusal: Refusal | null = null;
  /** How many refused requests the current refusal has cost. */
  refusedRequests = 0;
  readonly gate: string;
  private listeners = new Map<keyof HearthEvents, Set<Listener<never>>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private deciding: Promise<Decision | Refusal> | null = null;
  private renewal: Promise<void> | null = null;
  private sessionEnds = 0;
  private readonly renew = () => void this.start();

  constructor(private readonly options: HearthOptions) {
    this.gate = new URL(options.gate).origin;
    addEventListener('online', this.renew);
    (navigator as { connection?: EventTarget }).connection?.addEventListener('change', this.renew);
  }

  on<K extends keyof HearthEvents>(type: K, listener: Listener<HearthEvents[K]>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  private emit<K extends keyof HearthEvents>(type: K, value: HearthEvents[K]): void {
    for (const listener of this.listeners.get(type) ?? []) (listener as Listener<HearthEvents[K]>)(value);
  }

  get language(): string {
    return this.options.language ?? (document.documentElement.lang || navigator.languages.join(','));
  }

  /** The headers for a request to `url`: the session and language on the gate's origin, nothing elsewhere. */
  requestHeaders(url: string): Record<string, string> {
    if (new URL(url, location.href).origin !== this.gate) return {};
    const headers: Record<string, string> = { ...this.options.headers, 'Accept-Language': this.language };
    if (this.session) headers['Hearth-Session'] = this.session;
    return headers;
  }

  /**
   * The decision (at playback start, on renewal, after a code): an allow
   * holds the new session and returns the decision; anything else becomes
   * the refusal (event included) and is returned. Calls at once share one.
   */
  start(): Promise<Decision | Refusal> {
    this.deciding ??= this.decide().finally(() => (this.deciding = null));
    return this.deciding;
  }

  private async decide(): Promise<Decision | Refusal> {
    const url = this.gate + DECISION;
    let response = await this.call('GET', DECISION);
    if (response?.status === 401 && (await reasonOf(response.clone())) === 'TOKEN_EXPIRED') response = await this.call('GET', DECISION, undefined, true);
    const session = response?.headers.get('Hearth-Session');
    const body = (await response?.json().catch(() => null)) as (Decision & Problem) | null;
    // A decision that does not allow answers 200; a playback request would get it as a 403.
    if (!response?.ok || body?.decision !== 'allow' || !session) return this.refuse(url, response?.ok ? 403 : (response?.status ?? 0), body);
    this.session = session;
    this.schedule(body.session?.expiresAt);
    this.emit('session', { expiresAt: body.session?.expiresAt ?? '' });
    if (this.refusal) {
      this.refusal = null;
      this.refusedRequests = 0;
      this.emit('resume', body);
    }
    return body;
  }

  /**
   * Renews the session before it ends, unless renewing cannot extend it: a
   * session capped by the access that allowed it (`accessUntil`) comes back
   * with the same end, and then lapses; the next request says what holds.
   */
  private schedule(expiresAt: string | undefined): void {
    clearTimeout(this.timer);
    const ends = Date.parse(expiresAt ?? '');
    if (!(ends > this.sessionEnds)) return;
    this.sessionEnds = ends;
    const left = ends - Date.now();
    this.timer = setTimeout(this.renew, Math.max(left - (this.options.renewBeforeMs ?? 60_000), left / 2));
  }

  /**
   * What an adapter reports for a request the gate answered: a 401 or 403
   * becomes the refusal (once). A session problem first asks for a new
   * decision, which either resumes playback or refuses with its own reason.
   * `body` is the answer's body if the player kept it (text or bytes).
   */
  async report(url: string, status: number, body?: unknown): Promise<void> {
    if (status !== 401 && status !== 403) return;
    this.refusedRequests++;
    if (this.refusal) return;
    const problem = parse(body);
    if (status === 403 && problem?.message) {
      this.refuse(url, status, problem);
      return;
    }
    // A credential problem, or a refusal whose body the player dropped: a new decision says what holds now.
    this.renewal ??= this.start()
      .then((result) => {
        if (!isRefusal(result)) this.emit('resume', result);
      })
      .finally(() => (this.renewal = null));
    await this.renewal;
  }

  private refuse(url: string, status: number, body: Partial<Problem> | null): Refusal {
    const refusal: Refusal = {
      status,
      reason: body?.reason ?? 'GATE_UNREACHABLE',
      message: body?.message ?? body?.detail ?? (body ? '' : unreachableMessage(this.language)),
      actions: this.actionsOf(body),
      url,
      [REFUSAL]: true,
      ...(body?.decision ? { decision: body.decision } : {}),
      ...(body?.requestId ? { requestId: body.requestId } : {}),
    };
    this.session = null;
    clearTimeout(this.timer);
    if (!this.refusal) {
      this.refusal = refusal;
      this.emit('refused', refusal);
      if (refusal.actions.some((action) => action.id === 'feedback')) void this.ask(refusal);
    }
    return refusal;
  }

  /** Fetches the question's words in the viewer's language (no token: they are the same for everyone) and emits them, if still refused. */
  private async ask(refusal: Refusal): Promise<void> {
    const response = await fetch(this.gate + FEEDBACK, { headers: { 'Accept-Language': this.language } }).catch(() => null);
    const words = (await response?.json().catch(() => null)) as FeedbackQuestion | null;
    if (response?.ok && words && this.refusal === refusal) this.emit('question', { ...words, ...(refusal.requestId ? { requestId: refusal.requestId } : {}) });
  }

  /**
   * Sends the viewer's answer to the question (`POST /gate/v1/feedback`),
   * with the refusal's request id and an optional comment (at most 500
   * characters, seen by support only). Answers `message`, what happens next
   * for that situation, and the ways back in as `actions`.
   */
  async feedback(situation: Situation, comment?: string): Promise<FeedbackCreated | Refusal> {
    const requestId = this.refusal?.requestId;
    return this.answer(await this.call('POST', FEEDBACK, { situation, ...(requestId ? { requestId } : {}), ...(comment ? { comment } : {}) }), FEEDBACK);
  }

  /**
   * Opens a code challenge (`POST /gate/v1/challenges`): the account owner
   * gets a code to give the viewer. `purpose` says what the code approves:
   * `access` (travel), `primary-location` and `second-home` (a TV),
   * `away-access` (with `days`: a posting, a term), `sign-out` (with the
   * `deviceId` to sign out).
   */
  async challenge(purpose: CodePurpose = 'access', scope: { deviceId?: string; days?: number } = {}): Promise<{ challengeId: string; expiresAt: string } | Refusal> {
    return this.answer(await this.call('POST', '/gate/v1/challenges', { purpose, ...scope }), '/gate/v1/challenges');
  }

  /** Away access for this device with the owner's code of an `away-access` challenge; then a new decision, which resumes playback. */
  async awayAccess(challengeId: string, code: string, days?: number): Promise<Decision | (Refusal & { attemptsRemaining?: number })> {
    const path = '/gate/v1/household/away-access';
    const given = await this.answer(await this.call('POST', path, { challengeId, code, ...(days !== undefined ? { days } : {}) }), path);
    return isRefusal(given) ? given : this.start();
  }

  /** This TV's network as a second home, with the owner's code of a `second-home` challenge; then a new decision. */
  async secondHome(challengeId: string, code: string): Promise<Decision | (Refusal & { attemptsRemaining?: number })> {
    const path = '/gate/v1/household/second-home';
    const set = await this.answer(await this.call('POST', path, { challengeId, code }), path);
    return isRefusal(set) ? set : this.start();
  }

  /** Checks a code; when it holds, asks for a new decision, which resumes playback. A wrong code is a refusal with `attemptsRemaining`. */
  async verify(challengeId: string, code: string): Promise<Decision | (Refusal & { attemptsRemaining?: number })> {
    const path = `/gate/v1/challenges/${encodeURIComponent(challengeId)}/verify`;
    const checked = await this.answer(await this.call('POST', path, { code }), path);
    return isRefusal(checked) ? checked : this.start();
  }

  /** A device-API answer: its body, or its problem as a refusal (no event: the app's own form shows it). */
  private async answer<T>(response: Response | null, path: string): Promise<T | Refusal> {
    const body = (await response?.json().catch(() => null)) as (T & Partial<Problem>) | null;
    if (response?.ok && body) return body;
    return {
      ...body,
      status: response?.status ?? 0,
      reason: body?.reason ?? 'GATE_UNREACHABLE',
      message: body?.message ?? (body ? '' : unreachableMessage(this.language)),
      actions: this.actionsOf(body),
      url: this.gate + path,
      [REFUSAL]: true,
    } as Refusal;
  }

  /**
   * A refusal's actions, each `href` absolute: as the gate sent it (v1.4), or
   * a path from an older gate resolved against the gate's base URL — never
   * against the page, which is on another origin when the player is.
   */
  private actionsOf(body: Partial<Problem> | null): Action[] {
    const actions = body?.actions ?? [];
    // The body was parsed for this refusal alone: its actions are the SDK's to complete in place.
    for (const action of actions) action.href = new URL(action.href, this.options.gate).href;
    return actions;
  }

  /** One call to the gate's device API, with the token (and a DPoP proof when the device holds a key). */
  private async call(method: string, path: string, body?: unknown, expired = false): Promise<Response | null> {
    const url = this.gate + path;
    const token = await this.options.token({ expired });
    const { key } = this.options;
    const headers: Record<string, string> = { ...this.options.headers, 'Accept-Language': this.language, Authorization: `${key ? 'DPoP' : 'Bearer'} ${token}` };
    if (key) headers.DPoP = await dpopProof(key, method, url, token);
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      return await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch {
      return null;
    }
  }

  /** Stops timers and listeners: the playback is over. */
  destroy(): void {
    clearTimeout(this.timer);
    removeEventListener('online', this.renew);
    (navigator as { connection?: EventTarget }).connection?.removeEventListener('change', this.renew);
    this.listeners.clear();
  }
}

/** Whether a result is a refusal (rather than a decision or a device-API answer). */
export function isRefusal(result: unknown): result is Refusal {
  return typeof result === 'object' && result !== null && REFUSAL in result;
}

const reasonOf = async (response: Response) => parse(await response.text())?.reason;

/** A problem from an answer's body as players keep it: text, bytes, or already parsed. */
function parse(body: unknown): Partial<Problem> | null {
  try {
    const text = typeof body === 'string' ? body : body instanceof ArrayBuffer || ArrayBuffer.isView(body) ? new TextDecoder().decode(body) : null;
    const value = text === null ? body : JSON.parse(text);
    return value && typeof value === 'object' && 'reason' in value ? (value as Partial<Problem>) : null;
  } catch {
    return null;
  }
}
