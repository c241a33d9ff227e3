import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, inject, it } from 'vitest';

const gateUrl = inject('gateUrl');

type Schema = Record<string, any>;
/** Follows a local `$ref` to the schema it names. */
function resolve(document: Schema, schema: Schema): Schema {
  return schema.$ref ? resolve(document, schema.$ref.slice(2).split('/').reduce((node: Schema, key: string) => node[key], document)) : schema;
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

  it('lists every route of CONTRACT.md sections 6 and 7', async () => {
    const document = (await (await fetch(`${gateUrl}/openapi.json`)).json()) as Schema;
    const listed = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(listed.toSorted()).toEqual(
      [
        'GET /healthz',
        'GET /gate/v1/decision',
        'POST /gate/v1/challenges',
        'POST /gate/v1/challenges/{id}/verify',
        'POST /gate/v1/household/primary-location',
        'GET /gate/v1/household/devices',
        'DELETE /gate/v1/household/devices/{deviceId}',
        'GET /admin/v1/rollout',
        'PUT /admin/v1/rollout/{region}',
        'DELETE /admin/v1/rollout/{region}',
        'GET /admin/v1/accounts/{account}',
        'GET /admin/v1/accounts/{account}/explain',
        'POST /admin/v1/accounts/{account}/grants',
        'DELETE /admin/v1/accounts/{account}/grants/{grantId}',
        'POST /admin/v1/accounts/{account}/extra-members',
        'DELETE /admin/v1/accounts/{account}/extra-members/{deviceId}',
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
    expect(Object.keys(document.paths['/gate/v1/decision'].get.responses['200'].headers).toSorted()).toEqual(['Hearth-Decision', 'Hearth-Request-Id']);
    const grant = resolve(document, document.paths['/admin/v1/accounts/{account}/grants'].post.requestBody.content['application/json'].schema);
    expect(grant.properties.days).toMatchObject({ minimum: 1, maximum: 180 });
  });
});
