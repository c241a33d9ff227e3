/** Version labels, the version counters (`r|<version>|<route>|<outcome>`) and the bounded byVersion breakdown. */
import { describe, expect, it } from 'vitest';
import { counterName, parseCounter, versionBreakdown, versionCountsOf, VERSIONS_LISTED } from '../../../src/metrics/tally';
import { isVersionLabel, versionLabel } from '../../../src/version';

describe('version labels', () => {
  it('are the tag, else the release and the id’s first 8 characters, else the release', () => {
    expect(versionLabel({ id: 'a1b2c3d4-e5f6-7890-abcd-ef0123456789', tag: 'canary 2', timestamp: '' }, '1.4.0')).toBe('canary-2');
    expect(versionLabel({ id: 'a1b2c3d4-e5f6-7890-abcd-ef0123456789', tag: '', timestamp: '' }, '1.4.0')).toBe('1.4.0+a1b2c3d4');
    expect(versionLabel({ id: '', tag: '', timestamp: '' }, '1.4.0')).toBe('1.4.0');
    expect(versionLabel(undefined, '1.4.0')).toBe('1.4.0');
    expect(isVersionLabel(versionLabel({ tag: 'x|y'.repeat(40) }, '1.4.0'))).toBe(true);
  });
});

describe('version counters', () => {
  it('read back what they wrote, and refuse a label that is not one', () => {
    const name = counterName({ kind: 'version', version: '1.4.0+a1b2c3d4', route: 'session', outcome: 'challenge' });
    expect(name).toBe('r|1.4.0+a1b2c3d4|session|challenge');
    expect(parseCounter(name)).toEqual({ kind: 'version', version: '1.4.0+a1b2c3d4', route: 'session', outcome: 'challenge' });
    expect(parseCounter('r|a b|session|allow')).toBeNull();
    expect(parseCounter('r|1.4.0|session|maybe')).toBeNull();
  });

  it('list at most VERSIONS_LISTED versions by name, the most answers first, and sum the rest as other', () => {
    const record: Record<string, number> = {};
    for (let v = 0; v < VERSIONS_LISTED + 3; v++) record[`r|1.4.${v}|session|allow`] = v + 1;
    record['r|1.4.0|segment|deny'] = 100;
    const answer = versionBreakdown(versionCountsOf(record));
    expect(Object.keys(answer)).toHaveLength(VERSIONS_LISTED + 1);
    expect(Object.keys(answer)[0]).toBe('1.4.0');
    expect(answer['1.4.0']).toEqual({ sessions: { allow: 1, challenge: 0, deny: 0 }, segments: { allow: 0, challenge: 0, deny: 100 } });
    // The three with fewest answers (1.4.1, 1.4.2, 1.4.3: 2 + 3 + 4) are `other`.
    expect(answer.other!.sessions.allow).toBe(9);
  });
});
