/**
 * A player developer's page for test/node/feedback-pages.test.ts: served from
 * a loopback origin other than the gate's, it asks for a decision through the
 * SDK and keeps its refusal and question events in `window.seen`; `answer()`
 * sends a tap with the SDK's `feedback()`.
 */
import { Hearth, isRefusal, type Question, type Refusal, type Situation } from '../../../packages/player/src/index';

const seen: { refusals: Refusal[]; questions: Question[] } = { refusals: [], questions: [] };
let hearth: Hearth | null = null;

async function start(gate: string, token: string): Promise<string> {
  hearth = new Hearth({ gate, token: () => token });
  hearth.on('refused', (refusal) => seen.refusals.push(refusal));
  hearth.on('question', (question) => seen.questions.push(question));
  return (await hearth.start()).reason;
}

async function answer(situation: Situation, comment?: string) {
  const given = await hearth!.feedback(situation, comment);
  return isRefusal(given) ? { status: given.status, reason: given.reason, message: given.message } : given;
}

Object.assign(window, { seen, start, answer });
