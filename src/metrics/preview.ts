/**
 * What-if previews (docs/api.md, "Metrics and previews") as arithmetic over
 * replay cells: a session outside the household is answered by a rule from
 * its bucket and what `enforce` would have answered; every other session
 * keeps its answer under any rule. Exact for the sessions counted.
 */
import type { Outcome } from '../policy/decide';
import { effectiveMode, type RolloutRule } from '../policy/rollout';
import type { DeviceType, Mode } from '../vocabulary';
import type { BucketKey, OutcomeCounts, ReplayCell, ReplayClass } from './tally';

export interface ReplayRule {
  mode: Mode;
  percent: number;
  /** A tripped rule answers everyone as monitor. */
  status?: RolloutRule['status'];
}

/** The answer a rule gives a session outside the household in `bucket`. */
export function replayOutcome(rule: ReplayRule, bucket: number, replayClass: ReplayClass): Outcome {
  const mode = effectiveMode(rule, bucket);
  if (mode === 'enforce') return replayClass === 'travel' ? 'deny' : 'challenge';
  if (mode === 'challenge') return 'challenge';
  return 'allow';
}

export interface DeviceTypePreview {
  sessions: number;
  current: OutcomeCounts;
  proposed: OutcomeCounts;
}

export interface Preview {
  sessions: number;
  current: OutcomeCounts;
  proposed: OutcomeCounts;
  byDeviceType: Partial<Record<DeviceType | 'unknown', DeviceTypePreview>>;
}

/**
 * Replays `cells` under the rule in force (whose buckets are under
 * `current.key`: the region's own, or `*` when the region falls back) and
 * under the proposed rule (always the region's own).
 */
export function preview(cells: readonly ReplayCell[], current: { rule: ReplayRule; key: BucketKey }, proposed: ReplayRule): Preview {
  const result: Preview = { sessions: 0, current: none(), proposed: none(), byDeviceType: {} };
  const add = (deviceType: DeviceType | null, sessions: number, under: 'current' | 'proposed', outcome: Outcome, countSessions: boolean) => {
    const type = deviceType ?? 'unknown';
    const byType = (result.byDeviceType[type] ??= { sessions: 0, current: none(), proposed: none() });
    result[under][outcome] += sessions;
    byType[under][outcome] += sessions;
    if (countSessions) {
      result.sessions += sessions;
      byType.sessions += sessions;
    }
  };
  for (const cell of cells) {
    if (cell.kind === 'fixed') {
      add(cell.deviceType, cell.sessions, 'current', cell.outcome, true);
      add(cell.deviceType, cell.sessions, 'proposed', cell.outcome, false);
      continue;
    }
    // Each bucketed session is held twice, once per bucket key; each rule reads its own key's copy.
    if (cell.key === current.key) add(cell.deviceType, cell.sessions, 'current', replayOutcome(current.rule, cell.bucket, cell.replayClass), current.key === 'r');
    if (cell.key === 'r') add(cell.deviceType, cell.sessions, 'proposed', replayOutcome(proposed, cell.bucket, cell.replayClass), current.key !== 'r');
  }
  return result;
}

function none(): OutcomeCounts {
  return { allow: 0, challenge: 0, deny: 0 };
}
