/**
 * The rollout options with a grammar of their own: --stages and --guard, read
 * into the rule's stages and guard, and their help text (shown by
 * `rollout set --help` and the overview). A term that does not read is a
 * UsageError naming it.
 */
import type { RolloutRuleInput } from '../../src/admin-client/client.ts';
import { UsageError } from './command-line.ts';

export const STAGES_GRAMMAR = `--stages PERCENT:HOLD,...,PERCENT
  Each stage's percent and how long it holds (ISO 8601 duration: PT20M, PT6H, P1D); the last stage has no hold.
  Example: --stages 10:P1D,50:P2D,100   (10% for a day, 50% for two days, then 100%)`;

export const GUARD_HELP = `--guard TERM,TERM,...
  Comma-separated terms; window is required, and at least one of refusal, verify and livehere:
    refusal<=RATE      trip to monitor when the refused share of treated households goes above RATE (0-1)
    verify>=RATE       trip when the share of code-sent households that verify falls below RATE (0-1)
    livehere<=RATE     trip when the share of refused households that said "I live here" goes above RATE (0-1)
    households>=N      act only once N households were treated in the window (default 100);
                       sessions>=N is its former name
    window=DURATION    how far back the guard reads (ISO 8601, e.g. PT15M, at most PT6H)
  refusal<RATE, verify>RATE and livehere<RATE are accepted as the same limits.
  Example: --guard "refusal<=0.05,verify>=0.5,households>=200,window=PT15M"`;

/** `10:P1D,50:P2D,100` → stages. */
export function stagesFlag(value: string): NonNullable<RolloutRuleInput['stages']> {
  return value.split(',').map((part) => {
    const match = /^\s*(\d{1,3})(?::(P[0-9A-Za-z.]+))?\s*$/.exec(part);
    if (!match) throw new UsageError(`--stages: "${part}" is not PERCENT or PERCENT:HOLD (e.g. 10:P1D,50:P2D,100)`);
    const stage: NonNullable<RolloutRuleInput['stages']>[number] = { percent: Number(match[1]) };
    if (match[2]) stage.hold = match[2].toUpperCase();
    return stage;
  });
}

/**
 * `refusal<=0.05,verify>=0.5,livehere<=0.2,households>=200,window=PT15M` → a
 * guard (the grammar is in --help). The guard trips above its refusal and
 * live-here limits and below its verify limit, so `<=` and `>=` say exactly what holds; `<` and `>` are
 * accepted as the same limits. `sessions>=` is the former name of
 * `households>=`.
 */
const GUARD_TERM = /^(refusal|verify|livehere|households|sessions|window)\s*(<=|>=|<|>|=)\s*(.+)$/;
const GUARD_OPERATORS: Record<string, readonly string[]> = { refusal: ['<=', '<'], verify: ['>=', '>'], livehere: ['<=', '<'], households: ['>='], sessions: ['>='], window: ['='] };
const GUARD_GRAMMAR = 'refusal<=RATE, verify>=RATE, livehere<=RATE, households>=N, window=DURATION';

export function guardFlag(value: string): NonNullable<RolloutRuleInput['guard']> {
  const guard: Partial<NonNullable<RolloutRuleInput['guard']>> = {};
  for (const part of value.split(',').map((p) => p.trim())) {
    const match = GUARD_TERM.exec(part);
    if (!match) throw new UsageError(`--guard: "${part}" is not one of ${GUARD_GRAMMAR}`);
    const [, name, operator, raw] = match as unknown as [string, string, string, string];
    if (!GUARD_OPERATORS[name]!.includes(operator)) throw new UsageError(`--guard: "${part}" needs ${GUARD_OPERATORS[name]!.map((op) => `${name}${op}`).join(' or ')}`);
    if (name === 'window') {
      guard.window = raw.toUpperCase();
      continue;
    }
    const number = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(number)) throw new UsageError(`--guard: "${part}" needs a number`);
    if (name === 'refusal') guard.maxRefusalRate = number;
    else if (name === 'verify') guard.minVerifySuccessRate = number;
    // Contract §8: the share of refused households that said they live here.
    else if (name === 'livehere') guard.maxLiveHereRate = number;
    // minSessions: the name every version of the API accepts for the guard's minimum (minHouseholds is its new name).
    else guard.minSessions = number;
  }
  if (!guard.window) throw new UsageError('--guard needs window=DURATION (e.g. window=PT15M)');
  return guard as NonNullable<RolloutRuleInput['guard']>;
}
