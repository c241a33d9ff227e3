/**
 * The OpenAPI 3.1 document, generated from the operation list and its zod
 * schemas — the same objects that route and validate requests.
 */
import { z } from 'zod';
import type { Operation } from './operation';
import { operations } from './operations';
import { problem } from './schemas';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}

function parameters(operation: Operation): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [where, schema] of [['path', operation.params], ['query', operation.query]] as const) {
    if (!schema) continue;
    const object = schemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      list.push({ name, in: where, required: where === 'path' || (object.required ?? []).includes(name), schema: property });
    }
  }
  for (const name of operation.path.match(/\{(\w+)\}/g)?.map((p) => p.slice(1, -1)) ?? []) {
    if (!list.some((p) => p.name === name && p.in === 'path')) list.push({ name, in: 'path', required: true, schema: { type: 'string' } });
  }
  for (const [name, header] of Object.entries(operation.headers ?? {})) {
    list.push({ name, in: 'header', required: header.required ?? false, description: header.description, schema: { type: 'string' } });
  }
  return list;
}

export function openApiDocument(version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const operation of operations) {
    const responses: Record<string, JsonSchema> = {};
    for (const [status, spec] of Object.entries(operation.responses)) {
      const headers = spec.headers ? Object.fromEntries(Object.entries(spec.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) : undefined;
      const content = spec.problem
        ? { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }
        : spec.body
          ? { 'application/json': { schema: schemaOf(spec.body, 'output') } }
          : undefined;
      responses[status] = { description: spec.description, ...(content ? { content } : {}), ...(headers ? { headers } : {}) };
    }
    const entry: JsonSchema = {
      operationId: operation.operationId,
      summary: operation.summary,
      tags: [operation.tag],
      parameters: parameters(operation),
      responses,
    };
    if (operation.body) entry.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(operation.body, 'input') } } };
    if (operation.auth === 'device') entry.security = [{ deviceToken: [] }, { deviceCookie: [] }];
    if (operation.auth === 'admin') entry.security = [{ adminToken: [] }];
    if (operation.scope) entry.description = `Requires the \`${operation.scope}\` scope.`;
    (paths[operation.path] ??= {})[operation.method] = entry;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hearth household access gate',
      version,
      description: 'Decides every playback request at the edge: allow, challenge or deny, with one stable reason code. Every path outside /gate/, /admin/, /healthz and /openapi.json is playback and is forwarded to the origin when allowed.',
    },
    tags: ['Service', 'Device', 'Admin: rollout', 'Admin: accounts', 'Admin: audit'].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Problem: schemaOf(problem, 'output') },
      securitySchemes: {
        deviceToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Device token (EdDSA or ES256, kid required).' },
        deviceCookie: { type: 'apiKey', in: 'cookie', name: 'hearth_device', description: 'The device token, for browser players.' },
        adminToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Admin token: aud hearth-admin, space-separated scope.' },
      },
    },
  };
}
