/**
 * Typos get answers (issue 36, item 10), through the real CLI processes
 * against the suite's gate: an address that is not one, a device or an
 * account never seen, a scope that does not exist, a region that is not a
 * country or not a code at all (exit 2 locally, as docs/ops.md promises
 * for usage mistakes; `pe` read as `PE`, said), a percent that a new mode
 * silently widened, and `npm run token` with a mistyped option (a Node stack
 * before). Explain's table asks each check as a question and numbers only
 * the decision table's rows (item 12).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { mintDeviceToken } from '../../dev/tokens.ts';
import { ADMIN_SCOPES } from '../../src/vocabulary.ts';

const run = promisify(execFile);
const gateUrl = inject('gateUrl');
const ACCOUNT = 'acct-typos';
let token = '';

async function script(file: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [file, ...args], { env: { ...process.env, HEARTH_URL: gateUrl, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
const ops = (args: string[]) => script('scripts/ops.ts', args, { HEARTH_ADMIN_TOKEN: token });

beforeAll(async () => {
  token = (await script('scripts/ops.ts', ['admin-token', '--scope', ADMIN_SCOPES.join(' '), '--sub', 'typos-test@ops'])).stdout.trim();
  // The account's household: a TV at home.
  const tv = await mintDeviceToken({ account: ACCOUNT, device: 'tv-typos', type: 'tv', ttlSeconds: 600 });
  const home = await fetch(`${gateUrl}/gate/v1/decision`, { headers: { Authorization: `Bearer ${tv}`, 'CF-Connecting-IP': '198.18.77.10', 'Hearth-Sim-Country': 'GY' } });
  if (home.status !== 200) throw new Error(`the TV answered ${home.status}`);
  // The household is written off the hot path: wait until support can read it.
  for (let attempt = 0; (await ops(['account', 'show', ACCOUNT])).code !== 0; attempt++) {
    if (attempt > 100) throw new Error(`${ACCOUNT} never became readable`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}, 120_000);

describe('the ops CLI answers typos', () => {
  it.each(['999.1.1.1', 'hello', '203.0.113.9/24'])('account explain --ip %s: exit 2 naming --ip, without repeating it', async (ip) => {
    const answer = await ops(['account', 'explain', ACCOUNT, '--device', 'tv-typos', '--ip', ip]);
    expect(answer.code).toBe(2);
    expect(answer.stderr).toContain('--ip must be one IPv4 or IPv6 address');
    expect(answer.stderr).not.toContain(ip);
  });

  it('account explain warns about a device, or an account, Hearth has never seen', async () => {
    const typo = await ops(['account', 'explain', ACCOUNT, '--device', 'tv-typso', '--ip', '198.18.77.10', '--country', 'GY']);
    expect(typo.code).toBe(0);
    expect(typo.stderr).toContain('warning: the household of acct-typos does not list device tv-typso');
    const known = await ops(['account', 'explain', ACCOUNT, '--device', 'tv-typos', '--ip', '198.18.77.10', '--country', 'GY']);
    expect(known.stderr).not.toContain('warning');
    const nobody = await ops(['account', 'explain', 'acct-typso', '--device', 'tv-typos']);
    expect(nobody.stderr).toContain('warning: Hearth holds nothing about account acct-typso');
  });

  it('account explain asks each check as a question, answers it, and numbers only the decision table’s rows', async () => {
    const explained = await ops(['account', 'explain', ACCOUNT, '--device', 'phone-typos', '--ip', '198.51.100.90', '--country', 'GY']);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/row\s+check\s+answer/);
    expect(explained.stdout).toMatch(/3\s+Is the region’s rule off for this account\?\s+no: rule \S+: \w+ at \d+%, bucket \d+ → \w+/);
    expect(explained.stdout).toMatch(/11\s+None of the above: outside the household\s+yes — decides/);
    expect(explained.stdout).not.toMatch(/\bpass\b|enforcement off/);
    const numbers = explained.stdout
      .split('\n')
      .map((line) => /^(\d+)\s{2}/.exec(line)?.[1])
      .filter((row) => row !== undefined);
    expect(numbers).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
  });

  it('admin-token refuses a scope that does not exist, naming the one meant', async () => {
    const minted = await script('scripts/ops.ts', ['admin-token', '--scope', 'rollout:reed']);
    expect(minted.code).toBe(2);
    expect(minted.stdout).toBe('');
    expect(minted.stderr).toContain('"rollout:reed" (did you mean rollout:read?) is not a scope');
  });

  it('metrics warns that ZZ is not a country, and refuses what is not a code', async () => {
    const zz = await ops(['metrics', 'ZZ']);
    expect(zz.code).toBe(0);
    expect(zz.stderr).toContain('warning: ZZ stands for "unknown region", not a country');
    const peru = await ops(['metrics', 'Peru']);
    expect(peru.code).toBe(2);
    expect(peru.stderr).toContain('REGION must be a two-letter country code');
  });

  it('rollout set takes Peru as a usage mistake (exit 2), reads mn as MN and says so', async () => {
    const peru = await ops(['rollout', 'set', 'Peru', 'challenge', '--note', 'typo']);
    expect(peru.code).toBe(2);
    expect(peru.stderr).toContain('REGION must be a two-letter country code such as PE or CL, or * for every region without a rule; "Peru" is not one');
    const lower = await ops(['rollout', 'set', 'mn', 'monitor', '--note', 'lower case']);
    expect(lower.code).toBe(0);
    expect(lower.stderr).toContain('note: read REGION mn as MN.');
    expect(lower.stdout).toMatch(/MN\s+monitor\s+100/);
  });

  it('rollout set says when a new mode without --percent widens the rule to 100 %', async () => {
    expect((await ops(['rollout', 'set', 'MN', 'challenge', '--percent', '50', '--note', 'Mongolia: challenge 50%'])).code).toBe(0);
    const widened = await ops(['rollout', 'set', 'MN', 'enforce', '--note', 'Mongolia: enforce']);
    expect(widened.code).toBe(0);
    expect(widened.stdout).toContain('Percent 50 → 100: a rule without --percent covers every account (give --percent 50 to keep it).');
    const kept = await ops(['rollout', 'set', 'MN', 'monitor', '--percent', '100', '--note', 'Mongolia: back']);
    expect(kept.stdout).not.toContain('Percent');
    expect((await ops(['rollout', 'delete', 'MN'])).code).toBe(0);
  });
});

describe('npm run token answers typos', () => {
  it('a mistyped option is a usage error naming the option meant (exit 2), not a Node stack', async () => {
    const minted = await script('scripts/mint-token.ts', ['--acount', 'acct-1', '--device', 'tv-1', '--type', 'tv']);
    expect(minted.code).toBe(2);
    expect(minted.stderr).toContain("token: unknown option '--acount' (did you mean --account?)");
    expect(minted.stderr).toContain('Usage: npm run token -- --account ACCOUNT');
    expect(minted.stderr).not.toMatch(/TypeError|\n\s+at /);
  });
});
