/**
 * The admin API's answers in words, the same in the ops CLI and the console:
 * what a refusal means and what to do about it (each surface adds its own way
 * of acting on it — a command to run, a button to press), and an audit change
 * in a few words.
 */
import type { Problem } from './schema';

export interface RefusalHints {
  /** How to get a valid admin token on this surface. */
  signIn: string;
  /** How to get a token that carries `scope`. */
  scope: (scope: string) => string;
  /** How to look at the current rollout and retry with `version`. */
  retry: (version: number | undefined) => string;
}

export function explainRefusal(status: number, problem: Partial<Problem> | undefined, hints: RefusalHints): string {
  const reason = problem?.reason ?? 'UNKNOWN';
  if (status === 401) return `The gate refused this admin token (${reason})${problem?.detail ? `: ${problem.detail}` : '.'}\n${hints.signIn}`;
  if (status === 403 && reason === 'SCOPE_REQUIRED') return `This admin token lacks the “${problem?.requiredScope}” scope this needs.\n${hints.scope(problem?.requiredScope ?? '')}`;
  if (status === 412) {
    return `The rollout changed since you read it: it is now at version ${problem?.currentVersion}. Nothing was changed.\n${hints.retry(problem?.currentVersion)}`;
  }
  const field = problem?.field ? ` (field: ${problem.field})` : '';
  return `${status} ${reason}${field}: ${problem?.detail ?? problem?.title ?? 'no details'}`;
}

/** An audit entry's before or after, in a few words: `enforce 20% fail-closed`, `days=30 reason=…`, `∅`. */
export function summariseChange(value: unknown): string {
  if (value === null || value === undefined) return '∅';
  if (typeof value !== 'object') return String(value);
  const record = value as Record<string, unknown>;
  if ('mode' in record) return `${String(record.mode)} ${String(record.percent ?? 100)}%${record.failOpen === false ? ' fail-closed' : ''}`;
  return Object.entries(record)
    .map(([key, v]) => `${key}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}
