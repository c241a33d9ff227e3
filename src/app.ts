/**
 * The hono app: request id and locale for every request, the gate built from
 * the bindings (or `500 MISCONFIGURED`), the operations of `routes/operations.ts`,
 * playback for every other path, and one error handler that turns anything
 * unexpected into problem details without leaking it.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { routePath } from 'hono/route';
import { honoPath, type AuthKind, type Operation, type SignedIn } from './api/operation';
import { openApiDocument } from './api/openapi';
import { operations } from './routes/operations';
import { webPlayers } from './edge/cors';
import { isCrossSiteCookieRequest } from './edge/cross-site';
import { metricsRegion, requestRegion } from './edge/region';
import { logRefusedSignIn, recordRefusedCredential } from './edge/record';
import { accountWithinLimit, countRateLimited, screenUnproven } from './edge/rate-limits';
import type { CredentialFailure } from './edge/identify';
import { checkDeviceBinding } from './edge/device-binding';
import { gateFor } from './gate';
import type { AppEnv, AppContext } from './http/context';
import { readJsonBody, validate } from './http/json-body';
import { problemFor, problemResponse, requestOrigin } from './http/problem';
import { negotiateLocale } from './messages/catalog';
import { authorizeAdmin } from './routes/admin-auth';
import { refusalProblem, type Refusal } from './routes/refusal';
import { err, ok, type Result } from './result';
import { mountDevelopment } from './development/app';
import { assetResponse, bundledAsset } from './pages/bundled-asset';
import { consolePage } from './pages/console-page';
import { PAGE_ASSETS } from './pages/page-assets.generated';
import { helpPage } from './pages/help-page';
import { statusPage } from './pages/status-page';
import { playback } from './routes/playback';
import { HEARTH_VERSION, logged, noteVersion } from './version';

/** Device API bodies are a few bytes; admin bodies at most 16 KiB (docs/api.md). */
export const DEVICE_BODY_LIMIT_BYTES = 4 * 1024;
export const ADMIN_BODY_LIMIT_BYTES = 16 * 1024;

export const app = new Hono<AppEnv>();

app.use(async (c, next) => {
  noteVersion(c.env);
  c.set('requestId', crypto.randomUUID());
  c.set('locale', negotiateLocale(c.req.header('Accept-Language')));
  await next();
});

app.use(async (c, next) => {
  const built = gateFor(c.env);
  if (!built.ok) {
    for (const problem of built.error) {
      console.error(logged({ event: 'misconfigured', binding: problem.binding, problem: problem.message }));
    }
    // In production the public answer names the bindings only; what is wrong with each is in the log.
    const development = c.env.ENVIRONMENT === 'development';
    const bindings = built.error.map((problem) => (development ? `${problem.binding} ${problem.message}` : problem.binding));
    return problemFor(c, 'MISCONFIGURED', {
      detail: development
        ? `The gate's configuration is incomplete: ${bindings.join('; ')}.`
        : `The gate's configuration is incomplete or unsafe: ${[...new Set(bindings)].join(', ')}. The gate's log says what is wrong with each.`,
      extra: { bindings: [...new Set(built.error.map((problem) => problem.binding))] },
    });
  }
  c.set('gate', built.value);
  await next();
});

// Web players on other origins (edge/cors.ts): before anything that may refuse, so a listed player reads every refusal.
app.use(webPlayers);

// A change authenticated by the device cookie must come from this site or a listed player's (see edge/cross-site.ts).
app.use(async (c, next) => {
  if (isCrossSiteCookieRequest(c.req.raw, c.get('gate').config.corsAllowedOrigins)) return problemFor(c, 'CROSS_SITE_REQUEST');
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

/** The sign-in an operation's auth kind asks for: nothing, a device token, or an admin token with the operation's scope. */
async function signIn(c: AppContext, operation: Operation): Promise<Result<SignedIn[AuthKind], Refusal>> {
  switch (operation.auth) {
    case 'none':
      return ok({});
    case 'device': {
      const gate = c.get('gate');
      const now = Date.now();
      const identity = await gate.deviceTokens.identify(c.req.raw.headers, now);
      let refused: { reason: CredentialFailure | 'DEVICE_REVOKED'; failure?: string };
      if (identity.ok) {
        // Contract §2.1: a bound token proves possession of its key here (and `required` refuses unbound tokens).
        const context = { region: metricsRegion(requestRegion(c.req.raw, gate.config.environment)), locale: c.get('locale') };
        const binding = await checkDeviceBinding(gate, c.req.raw, identity.value, now, context);
        if (binding.ok) return ok({ device: identity.value });
        const bound = binding.error;
        if (bound.reason === 'state-unavailable') return err({ reason: 'STATE_UNAVAILABLE' });
        // This device's own proofs past their allowance: that device alone waits (contract §2.1).
        if (bound.reason === 'rate-limited')
          return err({ reason: 'RATE_LIMITED', limit: 'device', retryAfterSeconds: bound.retryAfterSeconds, ...(operation.countsSessions ? { decided: true as const } : {}) });
        // The failure is a fixed code (identity/device-proof.ts); neither token nor proof is logged.
        refused = { reason: bound.reason === 'revoked' ? 'DEVICE_REVOKED' : 'DEVICE_PROOF_REQUIRED', failure: bound.reason };
      } else {
        refused = { reason: identity.error.reason };
      }
      // Contract §9: a sign-in that proves nothing meets RATE_LIMIT_NETWORK before anything about it is recorded.
      const screened = await screenUnproven(gate, c.req.raw, now);
      const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
      if (!screened.within) {
        countRateLimited(gate, operation.countsSessions ? 'session' : null, c.req.raw, null, now, waitUntil);
        return err({ reason: 'RATE_LIMITED', limit: 'network', ...(operation.countsSessions ? { decided: true as const } : {}) });
      }
      if (operation.countsSessions) recordRefusedCredential(gate, 'session', c.req.raw, c.get('requestId'), refused.reason, now, waitUntil, screened.network, refused.failure);
      else logRefusedSignIn(gate, c.get('requestId'), operation.operationId, refused, now, screened.network);
      return err({ reason: refused.reason });
    }
    case 'admin': {
      const admin = await authorizeAdmin(c, operation.scope);
      return admin.ok ? ok({ admin: admin.value }) : admin;
    }
  }
}

const NOTHING = ok(undefined);

/** Runs any operation the same way: sign-in by its auth kind, then its params, query and body, then the handler. */
async function run(c: AppContext, operation: Operation): Promise<Response> {
  const signedIn = await signIn(c, operation);
  if (!signedIn.ok) return refusalProblem(c, signedIn.error);
  // Contract §9: every device-API call but the decision (whose refusals meet it there) counts against RATE_LIMIT_ACCOUNT.
  if (operation.auth === 'device' && !operation.countsSessions && 'device' in signedIn.value) {
    const gate = c.get('gate');
    if (!(await accountWithinLimit(gate, signedIn.value.device.accountId, Date.now()))) {
      countRateLimited(gate, null, c.req.raw, null, Date.now(), (p) => c.executionCtx.waitUntil(p));
      return refusalProblem(c, { reason: 'RATE_LIMITED', limit: 'account' });
    }
  }
  const params = operation.params ? validate(operation.params, c.req.param()) : NOTHING;
  if (!params.ok) return refusalProblem(c, params.error);
  const query = operation.query ? validate(operation.query, c.req.query()) : NOTHING;
  if (!query.ok) return refusalProblem(c, query.error);
  const body = operation.body ? await readJsonBody(c, operation.body, { optional: operation.bodyOptional === true }) : NOTHING;
  if (!body.ok) return refusalProblem(c, body.error);
  // The one place the operation's own input type is erased: defineOperation checked it against its schemas and auth kind.
  const handler = operation.handler as (c: AppContext, input: object) => Response | Promise<Response>;
  return handler(c, { params: params.value, query: query.value, body: body.value, ...signedIn.value });
}

/**
 * Wrangler replaces `process.env.NODE_ENV` when it bundles: "production" for
 * `wrangler deploy`, "development" for `wrangler dev`; the test runner sets
 * "test". Declared here (module scope), not taken from @types/node.
 */
declare const process: { env: { NODE_ENV?: string } };

// Development only (demo, /gate/dev/*, the development origin), mounted before everything it may stand in for.
// A deployed Worker does not even contain it: the branch, and the sub-app with jose's signing, drop out of the bundle.
if (process.env.NODE_ENV !== 'production') mountDevelopment(app);

for (const operation of operations) {
  app.on(operation.method.toUpperCase(), honoPath(operation.path), (c) => run(c, operation));
}

// Pages, and their same-origin scripts and stylesheets (bundled into the Worker by scripts/build-assets.ts).
app.get('/gate/help', helpPage);
app.get('/gate/status', statusPage);
app.get('/admin/console', consolePage);
app.get('/gate/assets/:name', (c) => {
  const asset = bundledAsset(PAGE_ASSETS, c.req.param('name'));
  return asset ? assetResponse(asset, c.req.raw) : problemFor(c, 'NOT_FOUND');
});

let openApiJson: string | undefined;
app.get('/openapi.json', (c) => {
  openApiJson ??= JSON.stringify(openApiDocument(operations, HEARTH_VERSION));
  return c.body(openApiJson, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' });
});

/** A reserved path with no operation: 405 with `Allow` when the path exists under another method, else 404. */
function unknownOperation(c: AppContext): Response {
  // Contract §9: a path that is nobody's is counted and answered, nothing more (no log line, no point).
  c.get('gate').unproven.nobodysPaths += 1;
  const path = c.req.path;
  const allowed = operations.filter((operation) => new RegExp(`^${operation.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(path)).map((operation) => operation.method.toUpperCase());
  if (allowed.length > 0) {
    return problemFor(c, 'METHOD_NOT_ALLOWED', { detail: `${c.req.method} is not served here; use ${allowed.join(', ')}.`, headers: { Allow: allowed.join(', ') } });
  }
  return problemFor(c, 'NOT_FOUND', { detail: `Nothing is served at ${path}.` });
}
/** Reserved prefixes are `/gate/` and `/admin/` with their slash: hono's `/gate/*` also matches `/gate`, which is playback. */
const underPrefix = (prefix: string) => (c: AppContext, next: () => Promise<void>) => (c.req.path === prefix ? next() : unknownOperation(c));
app.all('/gate/*', underPrefix('/gate'));
app.all('/admin/*', underPrefix('/admin'));
app.all('/healthz', unknownOperation);
app.all('/openapi.json', unknownOperation);
app.all('*', playback);

app.onError((error, c) => {
  const requestId = c.get('requestId') ?? crypto.randomUUID();
  console.error(logged({ event: 'unhandled_error', requestId, route: safeRoute(c), error: error instanceof Error ? error.name : 'unknown' }));
  return problemResponse('INTERNAL_ERROR', { requestId, locale: c.get('locale') ?? 'en', origin: requestOrigin(c.req.raw) });
});

function safeRoute(c: AppContext): string {
  try {
    return routePath(c);
  } catch {
    return 'unknown';
  }
}
