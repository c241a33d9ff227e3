import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const check = (lockfile?: string) => {
  try {
    return { code: 0, output: execFileSync(process.execPath, ['scripts/check-lockfile.mjs', ...(lockfile ? [lockfile] : [])], { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const failed = error as { status: number; stderr: string };
    return { code: failed.status, output: failed.stderr };
  }
};

describe('the lockfile check', () => {
  it('passes the committed lockfile, which `npm ci` accepts on every platform', () => {
    expect(check()).toMatchObject({ code: 0 });
  });

  it('fails a lockfile that lost another platform’s binary, naming it', () => {
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, unknown> };
    const binary = Object.keys(lock.packages).find((location) => location.startsWith('node_modules/@oxlint/binding-darwin'));
    expect(binary).toBeDefined();
    delete lock.packages[binary!];
    const broken = join(mkdtempSync(join(tmpdir(), 'hearth-lock-')), 'package-lock.json');
    writeFileSync(broken, JSON.stringify(lock));
    const result = check(broken);
    expect(result.code).toBe(1);
    expect(result.output).toContain(binary!.slice('node_modules/'.length));
  });
});
