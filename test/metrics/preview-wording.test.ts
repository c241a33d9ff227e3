/**
 * A preview is a replay: the rule in force is replayed over the counted
 * sessions just as the proposed rule is, so its line says what it "would
 * have" refused — sessions that ran under `monitor` were refused by no one.
 */
import { describe, expect, it } from 'vitest';
import { describePreview } from '../../src/admin-client/wording';
import type { Preview } from '../../generated/admin-api';

const preview: Preview = {
  region: 'PE',
  window: 'PT1H',
  since: '2026-12-01T10:00:00.000Z',
  sessions: 20,
  current: { allow: 15, challenge: 5, deny: 0 },
  proposed: { allow: 10, challenge: 8, deny: 2 },
  byDeviceType: {},
  applies: { at: '2026-12-15T10:00:00.000Z', stricter: true, approval: true },
  rules: { current: { key: 'PE', mode: 'challenge', percent: 100 }, proposed: { mode: 'enforce', percent: 100 } },
  policyVersion: 7,
};

describe('preview wording', () => {
  it('says the rule in force would have refused sessions it replays, never that they were refused', () => {
    const { headline, current } = describePreview(preview);
    expect(headline).toBe('Enforce at 100% in PE would have refused 10 of 20 sessions in the last hour (50%), 0 on TVs.');
    expect(current).toBe("Under the rule in force (PE's rule: challenge at 100%), 5 of them would have been refused (25%).");
    expect(current).not.toContain('were refused');
  });
});
