/**
 * The hono app: request id and locale for every request, the gate built from
 * the bindings (or `500 MISCONFIGURED`), the operations of `api/operations.ts`,
 * playback for every other path, and one error handler that turns anything
 * unexpected into problem details without leaking it.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { routePath } from 'hono/route';
import { honoPath, type Operation } from './api/operation';
import { openApiDocument } from './api/openapi';
import { operations } from './api/operations';
import { isCrossSiteCookieRequest } from './edge/cross-site';
import { gateFor } from './gate';
import type { HearthContext, HearthHonoContext } from './http/context';
import { readJsonBody, validate } from './http/json-body';
import { problemFor, problemResponse } from './http/problem';
import { negotiateLocale } from './messages/catalog';
import { authorizeAdmin } from './routes/admin-auth';
import { devStats } from './routes/dev-stats';
import { devDeviceToken } from './routes/dev-tools';
import { consolePage } from './pages/console-page';
import { demoPage } from './pages/demo-page';
import { helpPage } from './pages/help-page';
import { HEARTH_VERSION } from './routes/health';
import { playback } from './routes/playback';

/** Device API bodies are a few bytes; admin bodies at most 16 KiB (CONTRACT.md §7). */
export const DEVICE_BODY_LIMIT_BYTES = 4 * 1024;
export const ADMIN_BODY_LIMIT_BYTES = 16 * 1024;

export const app = new Hono<HearthContext>();

app.use(async (c, next) => {
  c.set('requestId', crypto.randomUUID());
  c.set('locale', negotiateLocale(c.req.header('Accept-Language')));
  await next();
});

app.use(async (c, next) => {
  const built = gateFor(c.env);
  if (!built.ok) {
    for (const problem of built.problems) {
      console.error(JSON.stringify({ event: 'misconfigured', binding: problem.binding, problem: problem.message }));
    }
    // In production the public answer names the bindings only; what is wrong with each is in the log.
    const development = c.env.ENVIRONMENT === 'development';
    const bindings = built.problems.map((problem) => (development ? `${problem.binding} ${problem.message}` : problem.binding));
    return problemFor(c, 'MISCONFIGURED', {
      detail: development
        ? `The gate's configuration is incomplete: ${bindings.join('; ')}.`
        : `The gate's configuration is incomplete or unsafe: ${[...new Set(bindings)].join(', ')}. The gate's log says what is wrong with each.`,
      extra: { bindings: [...new Set(built.problems.map((problem) => problem.binding))] },
    });
  }
  c.set('gate', built.gate);
  await next();
});

// A change authenticated by the device cookie must come from this site (see edge/cross-site.ts).
app.use(async (c, next) => {
  if (isCrossSiteCookieRequest(c.req.raw)) return problemFor(c, 'CROSS_SITE_REQUEST');
  await next();
});

function limitBodies(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: (c) => problemFor(c, 'BODY_TOO_LARGE', { detail: `Bodies are limited to ${maxSize} bytes.` }),
  });
}
app.use('/gate/v1/*', limitBodies(DEVICE_BODY_LIMIT_BYTES));
app.use('/admin/*', limitBodies(ADMIN_BODY_LIMIT_BYTES));

/** Runs an operation: admin sign-in and scope first, then its params, query and body, then the handler. */
async function run(c: HearthHonoContext, operation: Operation): Promise<Response> {
  if (operation.auth !== 'admin') return operation.handler(c, { params: undefined, query: undefined, body: undefined, admin: null });
  const admin = await authorizeAdmin(c, operation.scope);
  if (admin instanceof Response) return admin;
  const params = operation.params ? validate(c, operation.params, c.req.param()) : { ok: true as const, value: undefined };
  if (!params.ok) return params.response;
  const query = operation.query ? validate(c, operation.query, c.req.query()) : { ok: true as const, value: undefined };
  if (!query.ok) return query.response;
  const body = operation.body ? await readJsonBody(c, operation.body) : { ok: true as const, value: undefined };
  if (!body.ok) return body.response;
  return operation.handler(c, { params: params.value, query: query.value, body: body.value, admin });
}

for (const operation of operations) {
  app.on(operation.method.toUpperCase(), honoPath(operation.path), (c) => run(c, operation));
}

app.get('/gate/dev/stats', devStats);
app.post('/gate/dev/device-token', devDeviceToken);

// Pages, and their same-origin scripts and stylesheet (Workers Static Assets).
app.get('/gate/help', helpPage);
app.get('/admin/console', consolePage);
// The demo exists in development only; in production `/demo` is a playback path like any other (CONTRACT.md §5).
app.get('/demo', (c, next) => (c.get('gate').config.environment === 'development' ? demoPage(c) : next()));
app.get('/gate/assets/*', async (c) => {
  const assets = c.env.ASSETS;
  const response = assets ? await assets.fetch(c.req.raw) : null;
  if (!response || response.status === 404) return problemFor(c, 'NOT_FOUND');
  return response;
});

let openApiJson: string | undefined;
app.get('/openapi.json', (c) => {
  openApiJson ??= JSON.stringify(openApiDocument(HEARTH_VERSION));
  return c.body(openApiJson, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' });
});

/** A reserved path with no operation: 405 with `Allow` when the path exists under another method, else 404. */
function unknownOperation(c: HearthHonoContext): Response {
  const path = c.req.path;
  const allowed = operations
    .filter((operation) => new RegExp(`^${operation.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(path))
    .map((operation) => operation.method.toUpperCase());
  if (allowed.length > 0) {
    return problemFor(c, 'METHOD_NOT_ALLOWED', { detail: `${c.req.method} is not served here; use ${allowed.join(', ')}.`, headers: { Allow: allowed.join(', ') } });
  }
  return problemFor(c, 'NOT_FOUND', { detail: `Nothing is served at ${path}.` });
}
/** Reserved prefixes are `/gate/` and `/admin/` with their slash: hono's `/gate/*` also matches `/gate`, which is playback. */
const underPrefix = (prefix: string) => (c: HearthHonoContext, next: () => Promise<void>) => (c.req.path === prefix ? next() : unknownOperation(c));
app.all('/gate/*', underPrefix('/gate'));
app.all('/admin/*', underPrefix('/admin'));
app.all('/healthz', unknownOperation);
app.all('/openapi.json', unknownOperation);
app.all('*', playback);

app.onError((error, c) => {
  const requestId = c.get('requestId') ?? crypto.randomUUID();
  console.error(JSON.stringify({ event: 'unhandled_error', requestId, route: safeRoute(c), error: error instanceof Error ? error.name : 'unknown' }));
  return problemResponse('INTERNAL_ERROR', { requestId, locale: c.get('locale') ?? 'en' });
});

function safeRoute(c: HearthHonoContext): string {
  try {
    return routePath(c);
  } catch {
    return 'unknown';
  }
}

