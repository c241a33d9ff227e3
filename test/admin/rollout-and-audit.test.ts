import { describe, expect, it } from 'vitest';
import { callGate, newAccount } from '../support/gate';
import { deviceToken } from '../support/tokens';
import { admin } from './admin-support';

const ruleBody = { mode: 'challenge', percent: 100, failOpen: true, note: 'test' };

describe('rollout administration', () => {
  it('reads the rules with the version as ETag', async () => {
    const response = await admin('GET', '/admin/v1/rollout');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ version: expect.any(Number), updatedAt: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'), regions: expect.any(Object) });
    // Beside the rules, only the status page's history of changes per region (contract §8).
    expect(Object.keys(response.body).filter((key) => !['version', 'updatedAt', 'regions'].includes(key))).toEqual(response.body.changes ? ['changes'] : []);
    expect(response.headers.get('ETag')).toBe(`"${response.body.version}"`);
  });

  it('applies a change to the very next request, and every decision carries the new policy version', async () => {
    const token = await deviceToken({ account: newAccount(), device: 'p' });
    const put = await admin('PUT', '/admin/v1/rollout/CA', { body: { mode: 'off', note: 'pause in Canada' } });
    expect(put.status).toBe(200);
    expect(put.body.regions.CA).toMatchObject({ mode: 'off', percent: 100, failOpen: true, note: 'pause in Canada', updatedBy: 'ops@hearth.test' });
    const first = await callGate({ token, country: 'CA' });
    expect(await first.json()).toMatchObject({ mode: 'off', reason: 'ENFORCEMENT_OFF', policyVersion: put.body.version });

    const again = await admin('PUT', '/admin/v1/rollout/CA', { body: { mode: 'monitor' } });
    expect(again.body.version).toBe(put.body.version + 1);
    const second = await callGate({ token, country: 'CA' });
    expect(await second.json()).toMatchObject({ mode: 'monitor', policyVersion: again.body.version });
  });

  it('honours If-Match: a stale version changes nothing and answers 412', async () => {
    const { body } = await admin('GET', '/admin/v1/rollout');
    const ok = await admin('PUT', '/admin/v1/rollout/CL', { body: ruleBody, headers: { 'If-Match': `"${body.version}"` } });
    expect(ok.status).toBe(200);
    const stale = await admin('PUT', '/admin/v1/rollout/CL', { body: { mode: 'enforce' }, headers: { 'If-Match': String(body.version) } });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ reason: 'VERSION_MISMATCH', currentVersion: ok.body.version });
    expect((await admin('GET', '/admin/v1/rollout')).body.regions.CL.mode).toBe('challenge');
    const weak = await admin('PUT', '/admin/v1/rollout/CL', { body: { mode: 'enforce' }, headers: { 'If-Match': `W/"${ok.body.version}"` } });
    expect(weak.status).toBe(200);
    const garbage = await admin('PUT', '/admin/v1/rollout/CL', { body: ruleBody, headers: { 'If-Match': 'yesterday' } });
    expect(garbage.status).toBe(400);
    expect(garbage.body.field).toBe('If-Match');
  });

  it('deletes a region’s rule, after which it falls back to *', async () => {
    await admin('PUT', '/admin/v1/rollout/*', { body: { mode: 'monitor' } });
    await admin('PUT', '/admin/v1/rollout/CR', { body: { mode: 'enforce' } });
    const deleted = await admin('DELETE', '/admin/v1/rollout/CR');
    expect(deleted.status).toBe(200);
    expect(deleted.body.regions.CR).toBeUndefined();
    const decision = await (await callGate({ token: await deviceToken({ account: newAccount(), device: 'p' }), country: 'CR' })).json();
    expect(decision).toMatchObject({ region: 'CR', mode: 'monitor' });
    const again = await admin('DELETE', '/admin/v1/rollout/CR');
    expect(again.status).toBe(404);
    expect(again.body.reason).toBe('RULE_NOT_FOUND');
  });

  it.each([
    ['pe', ruleBody, 'region'],
    ['PER', ruleBody, 'region'],
    ['PE', { mode: 'strict' }, 'mode'],
    ['PE', { percent: 50 }, 'mode'],
    ['PE', { mode: 'enforce', percent: 101 }, 'percent'],
    ['PE', { mode: 'enforce', percent: -1 }, 'percent'],
    ['PE', { mode: 'enforce', percent: 12.5 }, 'percent'],
    ['PE', { mode: 'enforce', percent: '50' }, 'percent'],
    ['PE', { mode: 'enforce', failOpen: 'yes' }, 'failOpen'],
    ['PE', { mode: 'enforce', note: 'x'.repeat(501) }, 'note'],
    ['PE', { mode: 'enforce', colour: 'blue' }, 'colour'],
  ])('refuses PUT /rollout/%s %j with 400 naming %s', async (region, body, field) => {
    const response = await admin('PUT', `/admin/v1/rollout/${region}`, { body });
    expect(response.status).toBe(400);
    expect(response.headers.get('Content-Type')).toBe('application/problem+json');
    expect(response.body).toMatchObject({ reason: 'INVALID_REQUEST', field });
  });

  it('refuses malformed JSON, an empty body and a body over 16 KiB', async () => {
    expect((await admin('PUT', '/admin/v1/rollout/PE', { raw: '{"mode":' })).body).toMatchObject({ status: 400, field: '(body)' });
    expect((await admin('PUT', '/admin/v1/rollout/PE', { raw: '' })).status).toBe(400);
    const huge = await admin('PUT', '/admin/v1/rollout/PE', { raw: JSON.stringify({ mode: 'off', note: 'x'.repeat(17 * 1024) }) });
    expect(huge.status).toBe(413);
    expect(huge.body.reason).toBe('BODY_TOO_LARGE');
  });
});

describe('audit trail', () => {
  it('records every rollout write with actor, before and after, newest first', async () => {
    // EC: a region no other test file sets (the files share one audit trail); the newest entries read are this region's
    // (another file's Durable Object alarm, a guard tripping, may write an entry in between).
    await admin('PUT', '/admin/v1/rollout/EC', { body: { mode: 'monitor', note: 'first look' }, scope: 'rollout:write', token: undefined });
    await admin('PUT', '/admin/v1/rollout/EC', { body: { mode: 'challenge', percent: 10, note: '10% of Ecuador' } });
    expect((await admin('GET', '/admin/v1/audit?limit=2')).body.entries).toHaveLength(2);
    const { body } = await admin('GET', '/admin/v1/audit?limit=20');
    const ours = body.entries.filter((entry: { target: string }) => entry.target === 'rollout/EC');
    expect(ours).toHaveLength(2);
    const [newest, older] = ours;
    expect(newest).toMatchObject({ actor: 'ops@hearth.test', action: 'rollout.set', target: 'rollout/EC', note: '10% of Ecuador' });
    expect(newest.before).toMatchObject({ mode: 'monitor' });
    expect(newest.after).toMatchObject({ mode: 'challenge', percent: 10 });
    expect(older).toMatchObject({ action: 'rollout.set', before: null, after: { mode: 'monitor' } });
    expect(Number(newest.id)).toBeGreaterThan(Number(older.id));
  });

  it('pages with a cursor without repeating or skipping an entry', async () => {
    for (let i = 0; i < 5; i++) await admin('PUT', '/admin/v1/rollout/PY', { body: { mode: 'monitor', percent: i } });
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 4; page++) {
      const { body }: { body: Record<string, any> } = await admin('GET', `/admin/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...body.entries.map((e: { id: string }) => e.id));
      cursor = body.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    const numeric = seen.map(Number);
    expect(numeric).toEqual(numeric.toSorted((a, b) => b - a));
  });

  it.each(['limit=0', 'limit=201', 'limit=ten', 'cursor=abc'])('refuses ?%s with 400', async (query) => {
    const response = await admin('GET', `/admin/v1/audit?${query}`);
    expect(response.status).toBe(400);
    expect(['limit', 'cursor']).toContain(response.body.field);
  });

  it('offers no way to change or remove an entry', async () => {
    for (const method of ['PUT', 'DELETE', 'POST', 'PATCH']) {
      const response = await admin(method, '/admin/v1/audit', { body: {} });
      expect(response.status).toBe(405);
      expect(response.headers.get('Allow')).toBe('GET');
    }
  });
});
