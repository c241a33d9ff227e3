import { describe, expect, it } from 'vitest';
import { codeRateLimit } from '../../../src/challenges/code-allowance';
import { emptyHousehold } from '../../../src/household/household';
import { verifiedAccess } from '../../../src/household/travel-access';
import { MS_PER_HOUR } from '../../../src/time';
import { DAY, limits, T0 } from '../../support/limits';

const request = { deviceId: 'phone', deviceType: 'mobile' as const, temporaryAccessMs: 7 * DAY, enforceTravelLimit: true };

describe('what a verified code gives', () => {
  it('grants TEMP_ACCESS_DURATION while travel grants are left, then TRAVEL_LIMIT_REACHED in enforce; without the limit, always', () => {
    const first = verifiedAccess(emptyHousehold('acct', T0), request, limits, T0);
    if (!first.ok) throw new Error('the first code is refused');
    expect(first.value.devices.get('phone')!.temporaryAccessUntil).toBe(T0 + 7 * DAY);
    const second = verifiedAccess(first.value, request, limits, T0 + 7 * DAY);
    if (!second.ok) throw new Error('the second code is refused');
    expect(verifiedAccess(second.value, request, limits, T0 + 14 * DAY)).toEqual({ ok: false, error: { reason: 'TRAVEL_LIMIT_REACHED' } });
    expect(verifiedAccess(second.value, { ...request, enforceTravelLimit: false }, limits, T0 + 14 * DAY).ok).toBe(true);
    // The first grant leaves the travel window after TRAVEL_WINDOW: one is free again.
    expect(verifiedAccess(second.value, request, limits, T0 + 30 * DAY + 1).ok).toBe(true);
  });
});

describe('the hourly code allowance', () => {
  it('lets a device ask three times an hour and an account be sent ten, then says when the next can go', () => {
    const sent = [0, 1, 2].map((i) => ({ deviceId: 'phone', createdAt: T0 + i * 60_000 }));
    expect(codeRateLimit(sent.slice(0, 2), 'phone', T0 + 3 * 60_000)).toBeNull();
    expect(codeRateLimit(sent, 'phone', T0 + 3 * 60_000)).toEqual({ limit: 'device', retryAfterSeconds: 57 * 60 });
    expect(codeRateLimit(sent, 'phone', T0 + MS_PER_HOUR + 1)).toBeNull();
    const others = Array.from({ length: 10 }, (_, i) => ({ deviceId: `d${i}`, createdAt: T0 }));
    expect(codeRateLimit(others, 'tablet', T0 + 1000)).toEqual({ limit: 'account', retryAfterSeconds: 3599 });
  });
});
