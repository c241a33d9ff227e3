import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, inject, it } from 'vitest';
import { formatDocument, generatedTypes, PLAYER_TYPES_PATH } from '../../scripts/openapi.ts';

const gateUrl = inject('gateUrl');

type Schema = Record<string, any>;
/** Follows a local `$ref` to the schema it names. */
function resolve(document: Schema, schema: Schema): Schema {
  return schema.$ref
    ? resolve(
        document,
        schema.$ref
          .slice(2)
          .split('/')
          .reduce((node: Schema, key: string) => node[key], document),
      )
    : schema;
}

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const response = await fetch(`${gateUrl}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as Schema;
    expect(document.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(document as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists every device and admin route', async () => {
    const document = (await (await fetch(`${gateUrl}/openapi.json`)).json()) as Schema;
    const listed = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(listed.toSorted()).toEqual(
      [
        'GET /healthz',
        'GET /gate/v1/status',
        'GET /gate/v1/decision',
        'POST /gate/v1/challenges',
        'POST /gate/v1/challenges/{id}/verify',
        'POST /gate/v1/household/primary-location',
        'POST /gate/v1/household/second-home',
        'DELETE /gate/v1/household/second-home',
        'POST /gate/v1/household/away-access',
        'GET /gate/v1/household/devices',
        'DELETE /gate/v1/household/devices/{deviceId}',
        'GET /gate/v1/feedback',
        'POST /gate/v1/feedback',
        'GET /admin/v1/rollout',
        'GET /admin/v1/rollout/changes',
        'POST /admin/v1/rollout/changes/{changeId}/approve',
        'POST /admin/v1/rollout/changes/{changeId}/reject',
        'PUT /admin/v1/rollout/{region}',
        'DELETE /admin/v1/rollout/{region}',
        'POST /admin/v1/rollout/{region}/preview',
        'GET /admin/v1/rollout/changes',
        'POST /admin/v1/rollout/changes/{changeId}/approve',
        'POST /admin/v1/rollout/changes/{changeId}/reject',
        'GET /admin/v1/metrics',
        'GET /admin/v1/accounts/{account}',
        'GET /admin/v1/accounts/{account}/explain',
        'POST /admin/v1/accounts/{account}/explain',
        'POST /admin/v1/accounts/{account}/grants',
        'DELETE /admin/v1/accounts/{account}/grants/{grantId}',
        'POST /admin/v1/accounts/{account}/extra-members',
        'DELETE /admin/v1/accounts/{account}/extra-members/{deviceId}',
        'DELETE /admin/v1/accounts/{account}/away-access/{deviceId}',
        'DELETE /admin/v1/accounts/{account}',
        'GET /admin/v1/audit',
      ].toSorted(),
    );
  });

  it('documents request bodies from the schemas that validate them', async () => {
    const document = (await (await fetch(`${gateUrl}/openapi.json`)).json()) as Schema;
    const rule = resolve(document, document.paths['/admin/v1/rollout/{region}'].put.requestBody.content['application/json'].schema);
    expect(rule.properties.mode.enum).toEqual(['off', 'monitor', 'challenge', 'enforce']);
    expect(rule.properties.percent).toMatchObject({ minimum: 0, maximum: 100 });
    expect(rule.required).toEqual(['mode']);
    expect(Object.keys(document.paths['/gate/v1/decision'].get.responses['200'].headers).toSorted()).toEqual(['Hearth-Decision', 'Hearth-Request-Id', 'Hearth-Session', 'Set-Cookie']);
    const grant = resolve(document, document.paths['/admin/v1/accounts/{account}/grants'].post.requestBody.content['application/json'].schema);
    expect(grant.properties.days).toMatchObject({ minimum: 1, maximum: 180 });
    // explain: the address travels in the body; the GET of v1.2 is kept without one, and marked deprecated.
    const explain = document.paths['/admin/v1/accounts/{account}/explain'];
    expect(Object.keys(resolve(document, explain.post.requestBody.content['application/json'].schema).properties).toSorted()).toEqual(['country', 'deviceId', 'deviceType', 'ip']);
    expect(explain.get.deprecated).toBe(true);
  });

  it('is what docs/openapi.json holds, and generated/admin-api.d.ts is openapi-typescript’s reading of it', async () => {
    const served = formatDocument(await (await fetch(`${gateUrl}/openapi.json`)).json());
    expect(readFileSync('docs/openapi.json', 'utf8') === served ? 'up to date' : 'run `npm run openapi`').toBe('up to date');
    const file = join(mkdtempSync(join(tmpdir(), 'hearth-openapi-test-')), 'openapi.json');
    writeFileSync(file, served);
    const types = generatedTypes(file);
    expect(readFileSync('generated/admin-api.d.ts', 'utf8') === types ? 'up to date' : 'run `npm run openapi`').toBe('up to date');
    expect(readFileSync(PLAYER_TYPES_PATH, 'utf8') === types ? 'up to date' : 'run `npm run openapi`').toBe('up to date');
  });

  it('passes Redocly’s recommended rules, strictly, as served (with the repository’s one reviewed exception)', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'hearth-openapi-lint-'));
    mkdirSync(join(scratch, 'docs'));
    writeFileSync(join(scratch, 'docs/openapi.json'), await (await fetch(`${gateUrl}/openapi.json`)).text());
    for (const file of ['redocly.yaml', '.redocly.lint-ignore.yaml']) copyFileSync(file, join(scratch, file));
    const lint = spawnSync(process.execPath, [join(process.cwd(), 'node_modules/@redocly/cli/bin/cli.js'), 'lint', 'docs/openapi.json', '--format', 'stylish'], { cwd: scratch, encoding: 'utf8' });
    const report = lint.stdout + lint.stderr;
    expect(report).not.toMatch(/self-referencing|circular/i);
    expect({ status: lint.status, report }).toMatchObject({ status: 0 });
  });
});
