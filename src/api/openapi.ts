/**
 * The OpenAPI 3.1 document, generated from the operation list and its zod
 * schemas — the same objects that route and validate requests.
 */
import * as z from 'zod';
import type { Operation, ResponseSpec } from './operation';
import { problem } from './schemas';

type JsonSchema = Record<string, unknown>;

/** Named schemas (`.meta({ id })`), gathered into `components.schemas` as the document is built. */
type Components = Record<string, JsonSchema>;

/**
 * A zod schema as JSON Schema 2020-12. Named sub-schemas come out of zod as
 * `$defs`; they are hoisted into `components.schemas` and every `#/$defs/X`
 * becomes `#/components/schemas/X`, so references resolve from the document root.
 */
function schemaOf(schema: z.ZodType, io: 'input' | 'output', components: Components): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
  delete json.$defs;
  const rewrite = <T>(value: T): T => JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/'));
  for (const [name, def] of Object.entries(defs)) components[name] ??= rewrite(def);
  return rewrite(json);
}

function parameters(operation: Operation, components: Components): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', operation.params],
    ['query', operation.query],
  ] as const) {
    if (!schema) continue;
    const object = schemaOf(schema, 'input', components) as { properties?: Record<string, JsonSchema>; required?: string[] };
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

const TAG_DESCRIPTIONS: Record<Operation['tag'], string> = {
  Service: 'Liveness, version and this document.',
  Device: 'Called by players with the device token: the decision, verification codes, the household’s devices and its primary location.',
  'Admin: rollout': 'Regional enforcement rules (mode, percent, fail-open), changed with If-Match and audited.',
  'Admin: accounts': 'Support: an account’s household, why a decision was taken, time-boxed grants, extra-member slots, erasure.',
  'Admin: audit': 'The append-only record of every administrative change.',
};

/**
 * Contract §9: the `429 RATE_LIMITED` every signed-in operation may answer —
 * a sign-in that proves nothing past RATE_LIMIT_NETWORK, and for devices
 * their account past RATE_LIMIT_ACCOUNT (the decision: when it refuses).
 * Written once here, beside any 429 of the operation's own.
 */
const RATE_LIMITED: Record<'device' | 'admin', string> = {
  device:
    '`RATE_LIMITED`: too many requests that proved nothing (no or a bad token or proof) from this client network (`limit`: `network`), or too many refused decisions and device-API calls for this account (`limit`: `account`); nothing was recorded. See Retry-After.',
  admin: '`RATE_LIMITED`: too many failed admin sign-ins from this client network (`limit`: `network`); nothing was recorded. See Retry-After.',
};

/** The operation's responses, with the `429 RATE_LIMITED` of its auth kind. */
function responsesOf(operation: Operation): Record<number, ResponseSpec> {
  if (operation.auth === 'none') return operation.responses;
  const own = operation.responses[429];
  const description = own ? `${own.description} Or ${RATE_LIMITED[operation.auth]}` : RATE_LIMITED[operation.auth];
  return { ...operation.responses, 429: { description, problem: true, headers: { 'Retry-After': 'Seconds to wait before asking again.', ...own?.headers } } };
}

export function openApiDocument(operations: readonly Operation[], version: string): JsonSchema {
  const components: Components = {};
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const operation of operations) {
    const responses: Record<string, JsonSchema> = {};
    for (const [status, spec] of Object.entries(responsesOf(operation))) {
      const headers = spec.headers ? Object.fromEntries(Object.entries(spec.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) : undefined;
      const content = spec.problem
        ? { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }
        : spec.body
          ? { 'application/json': { schema: schemaOf(spec.body, 'output', components) } }
          : undefined;
      responses[status] = { description: spec.description, ...(content ? { content } : {}), ...(headers ? { headers } : {}) };
    }
    const entry: JsonSchema = {
      operationId: operation.operationId,
      summary: operation.summary,
      tags: [operation.tag],
      parameters: parameters(operation, components),
      responses,
    };
    if (operation.body) entry.requestBody = { required: operation.bodyOptional !== true, content: { 'application/json': { schema: schemaOf(operation.body, 'input', components) } } };
    if (operation.auth === 'device') entry.security = [{ deviceToken: [] }, { deviceBoundToken: [] }, { deviceCookie: [] }];
    if (operation.auth === 'admin') entry.security = [{ adminToken: [] }];
    if (operation.auth === 'none') entry.security = [];
    const scope = operation.scope ? `Requires the \`${operation.scope}\` scope.` : undefined;
    const description = [operation.description, scope].filter(Boolean).join(' ');
    if (description) entry.description = description;
    if (operation.deprecated) entry.deprecated = true;
    (paths[operation.path] ??= {})[operation.method] = entry;
  }
  // Hoists Problem (a named schema) into the components; zod may instead return it inline, then it is stored as is.
  const problemSchema = schemaOf(problem, 'output', components);
  components.Problem ??= problemSchema;
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hearth household access gate',
      version,
      license: { name: 'Proprietary: no licence is granted to use this API outside the deployment that serves it.' },
      description:
        'Decides every playback request at the edge: allow, challenge or deny, with one stable reason code. Every path outside /gate/, /admin/, /healthz and /openapi.json is playback and is forwarded to the origin when allowed.',
    },
    // Relative: the gate that serves this document.
    servers: [{ url: '/', description: 'The gate serving this document (in development, `wrangler dev`, on port 8787 by default).' }],
    tags: Object.entries(TAG_DESCRIPTIONS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        deviceToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Device token (EdDSA or ES256, kid required).' },
        deviceBoundToken: {
          type: 'http',
          scheme: 'DPoP',
          description:
            'A device-bound token (`cnf.jkt`) as `Authorization: DPoP <token>`, with a `DPoP` header holding a fresh proof of its key (RFC 9449: `typ` dpop+jwt, EdDSA or ES256, `htm`, `htu`, `iat`, `jti`, `ath`). Any proof problem is `401 DEVICE_PROOF_REQUIRED` with `WWW-Authenticate: DPoP`.',
        },
        deviceCookie: { type: 'apiKey', in: 'cookie', name: 'hearth_device', description: 'The device token, for browser players.' },
        adminToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Admin token: aud hearth-admin, space-separated scope.' },
      },
    },
  };
}
