/**
 * Hearing the refused (contract §8) in the ops CLI, against `wrangler dev`:
 * `--guard` takes `livehere<=RATE` (`maxLiveHereRate`), `ops metrics` says
 * what refused households said, and `ops account show` lists an account's
 * answers with the comment (made safe for the terminal) and the refusal's
 * request id.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAdminToken, mintDeviceToken } from '../../dev/tokens.ts';
import type { LocalWorker } from '../../scripts/local-worker.ts';
import { ADMIN_SCOPES } from '../../src/vocabulary.ts';
import { ruledGate } from './ruled-gate';

const run = promisify(execFile);
const COUNTRY = 'EC';
let gate: LocalWorker;
let token = '';

beforeAll(async () => {
  gate = await ruledGate({ country: COUNTRY, mode: 'enforce', note: 'feedback in the CLI' });
  token = await mintAdminToken({ scope: ADMIN_SCOPES.join(' '), sub: 'feedback-cli@ops' });
}, 120_000);

afterAll(() => gate?.stop());

async function ops(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/ops.ts', ...args], { env: { ...process.env, HEARTH_URL: gate.url, HEARTH_ADMIN_TOKEN: token } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const at = (ip: string, device: string) => ({ 'CF-Connecting-IP': ip, 'Hearth-Sim-Country': COUNTRY, Authorization: `Bearer ${device}` });

describe('hearing the refused in the ops CLI', () => {
  it('sets a guard with livehere<=RATE, prints what refused households said, and lists an account’s answers with their comments', async () => {
    const set = await ops(['rollout', 'set', 'GT', 'enforce', '--guard', 'livehere<=0.3, households>=50, window=PT30M', '--note', 'Guatemala, listening', '--skip-notice']);
    expect({ code: set.code, stderr: set.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const guard = JSON.parse((await ops(['rollout', 'list', '--json'])).stdout).regions.GT.guard;
    expect(guard).toMatchObject({ maxLiveHereRate: 0.3, window: 'PT30M' });
    const wrong = await ops(['rollout', 'set', 'GT', 'enforce', '--guard', 'livehere>=0.3,window=PT30M', '--note', 'wrong']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('livehere<=');

    const account = `acct-fbo-${Date.now().toString(36)}`;
    const tv = await mintDeviceToken({ account, device: 'tv', type: 'tv', ttlSeconds: 600 });
    const phone = await mintDeviceToken({ account, device: 'phone', type: 'mobile', ttlSeconds: 600 });
    await fetch(`${gate.url}/gate/v1/decision`, { headers: at('10.77.1.1', tv) });
    const refused = (await (await fetch(`${gate.url}/gate/v1/decision`, { headers: at('172.16.77.1', phone) })).json()) as { requestId: string; decision: string };
    expect(refused.decision).toBe('challenge');
    const answered = await fetch(`${gate.url}/gate/v1/feedback`, {
      method: 'POST',
      headers: { ...at('172.16.77.1', phone), 'Content-Type': 'application/json' },
      body: JSON.stringify({ situation: 'live-here', requestId: refused.requestId, comment: 'moved in \u001b[31mlast month' }),
    });
    expect(answered.status).toBe(201);

    let metrics = '';
    for (let i = 0; i < 50 && !metrics.includes('said          live-here 1'); i++) metrics = (await ops(['metrics', COUNTRY, '--since', 'PT1H'])).stdout;
    expect(metrics).toContain('said          live-here 1 (100% of refused)');

    const shown = await ops(['account', 'show', account]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Feedback (what refused devices said, newest first');
    expect(shown.stdout).toMatch(/phone \(mobile\)\s+live-here\s+OUTSIDE_HOUSEHOLD in EC/);
    expect(shown.stdout).toContain(refused.requestId);
    // The person's words, with the escape made visible: a comment never drives the operator's terminal.
    expect(shown.stdout).toContain('moved in \\x1b[31mlast month');
    expect(shown.stdout).not.toContain('\u001b[31m');
  }, 180_000);
});
