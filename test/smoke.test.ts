import { describe, expect, it } from 'vitest';
import { callGate, newAccount } from './support/gate';
import { deviceToken } from './support/tokens';

describe('smoke', () => {
  it('answers healthz', async () => {
    const response = await callGate({ path: '/healthz' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true });
  });
  it('decides', async () => {
    const token = await deviceToken({ account: newAccount(), device: 'tv-1', type: 'tv' });
    const response = await callGate({ token });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ decision: 'allow', reason: 'HOUSEHOLD_ESTABLISHED' });
  });
});
