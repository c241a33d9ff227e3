import { beforeEach, describe, expect, it } from 'vitest';
import { callGate, newAccount, setRule } from '../support/gate';
import { deviceToken } from '../support/tokens';

interface Echo {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  bodyLength: number;
  bodyHead: string;
}

describe('playback proxy', () => {
  beforeEach(async () => {
    await setRule('PE', 'challenge');
    await setRule('CL', 'monitor');
  });

  it('forwards an allowed request to ORIGIN_URL + path + query, token out, identity in', async () => {
    const account = newAccount();
    const token = await deviceToken({ account, device: 'tv-1', type: 'tv' });
    const response = await callGate({
      path: '/v1/titles/42/seg-00017.ts?quality=1080p&cdn=b',
      token,
      cookie: `theme=dark; hearth_device=${token}; lang=es`,
      country: 'PE',
      headers: { 'Hearth-Account': 'someone-else', 'Hearth-Device': 'spoofed', 'Hearth-Sim-Country': 'CL', 'hearth-anything': 'x', Range: 'bytes=0-99' },
    });
    expect(response.status).toBe(200);
    const echo = (await response.json()) as Echo;
    expect(echo.path).toBe('/v1/titles/42/seg-00017.ts');
    expect(echo.query).toBe('?quality=1080p&cdn=b');
    expect(echo.headers.authorization).toBeUndefined();
    expect(echo.headers.cookie).toBe('theme=dark; lang=es');
    expect(echo.headers['hearth-account']).toBe(account);
    expect(echo.headers['hearth-device']).toBe('tv-1');
    expect(echo.headers['hearth-sim-country']).toBeUndefined();
    expect(echo.headers['hearth-anything']).toBeUndefined();
    expect(echo.headers.range).toBe('bytes=0-99');
    expect(JSON.stringify(echo)).not.toContain(token);
  });

  it('passes the origin’s status and headers back, adding Hearth-Decision and Hearth-Request-Id', async () => {
    const token = await deviceToken({ account: newAccount(), device: 'tv-1', type: 'tv' });
    const response = await callGate({ path: '/missing.m3u8?status=404', token, country: 'PE' });
    expect(response.status).toBe(404);
    expect(response.headers.get('X-Origin')).toBe('echo');
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=6');
    expect(response.headers.get('Hearth-Decision')).toBe('allow; reason=HOUSEHOLD_ESTABLISHED');
    expect(response.headers.get('Hearth-Request-Id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('streams a request body through to the origin', async () => {
    const token = await deviceToken({ account: newAccount(), device: 'tv-1', type: 'tv' });
    const size = 3 * 1024 * 1024;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const chunk = new Uint8Array(64 * 1024).fill(97);
        for (let sent = 0; sent < size; sent += chunk.length) controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await callGate({ path: '/events', method: 'POST', token, country: 'PE', body, headers: { 'Content-Type': 'application/octet-stream' } });
    const echo = (await response.json()) as Echo;
    expect(echo.method).toBe('POST');
    expect(echo.bodyLength).toBe(size);
  });

  it('answers a challenge with 403 problem details, the message in the viewer’s language, and actions', async () => {
    const account = newAccount();
    await callGate({ token: await deviceToken({ account, device: 'tv-1', type: 'tv' }), ip: '203.0.113.5', country: 'PE' });
    const phone = await deviceToken({ account, device: 'phone-9' });
    const response = await callGate({ path: '/seg.ts', token: phone, ip: '198.51.100.20', country: 'PE', headers: { 'Accept-Language': 'es-PE,es;q=0.9,en;q=0.5' } });
    expect(response.status).toBe(403);
    expect(response.headers.get('Content-Type')).toBe('application/problem+json');
    expect(response.headers.get('Content-Language')).toBe('es');
    expect(response.headers.get('Hearth-Decision')).toBe('challenge; reason=OUTSIDE_HOUSEHOLD');
    expect(response.headers.get('X-Origin')).toBeNull();
    const problem = await response.json<Record<string, unknown>>();
    expect(problem).toMatchObject({
      type: '/gate/help#outside-household',
      status: 403,
      reason: 'OUTSIDE_HOUSEHOLD',
      decision: 'challenge',
      region: 'PE',
      requestId: response.headers.get('Hearth-Request-Id'),
    });
    expect(problem.message).toMatch(/^Este dispositivo no forma parte de tu hogar/);
    expect(typeof problem.policyVersion).toBe('number');
    // A phone cannot move the household (403 DEVICE_TYPE_NOT_ALLOWED), so it is not offered to.
    expect((problem.actions as Array<{ id: string }>).map((a) => a.id)).toEqual(['verify', 'extra-member', 'help', 'feedback', 'status']);
  });

  it('gives the same message for the same reason in every region', async () => {
    const messages = new Set<string>();
    for (const country of ['PE', 'CL']) {
      await setRule(country, 'challenge');
      const account = newAccount();
      await callGate({ token: await deviceToken({ account, device: 'tv-1', type: 'tv' }), ip: '203.0.113.5', country });
      const response = await callGate({ path: '/seg.ts', token: await deviceToken({ account, device: 'p' }), ip: '198.51.100.20', country });
      messages.add((await response.json<{ message: string }>()).message);
    }
    expect(messages.size).toBe(1);
  });

  it('in monitor mode lets the request through and says what it would have done', async () => {
    const account = newAccount();
    await callGate({ token: await deviceToken({ account, device: 'tv-1', type: 'tv' }), ip: '203.0.113.5', country: 'CL' });
    const response = await callGate({ path: '/seg.ts', token: await deviceToken({ account, device: 'p' }), ip: '198.51.100.20', country: 'CL' });
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Origin')).toBe('echo');
    expect(response.headers.get('Hearth-Decision')).toBe('allow; reason=OUTSIDE_HOUSEHOLD; would=challenge');
  });

  it('keeps the reserved paths to itself', async () => {
    const token = await deviceToken({ account: newAccount(), device: 'tv-1', type: 'tv' });
    for (const path of ['/gate/v1/nothing', '/admin/v1/nothing']) {
      const response = await callGate({ path, token });
      expect(response.status).toBe(404);
      expect(response.headers.get('Content-Type')).toBe('application/problem+json');
      expect(response.headers.get('X-Origin')).toBeNull();
    }
  });
});
