/**
 * The hono app: request id and locale for every request, the gate built from
 * the bindings (or `500 MISCONFIGURED`), the routes, and one error handler
 * that turns anything unexpected into problem details without leaking it.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { gateFor } from './gate';
import type { HearthContext } from './http/context';
import { problemResponse } from './http/problem';
import { negotiateLocale } from './messages/catalog';
import { getDecision } from './routes/decision';
import { listDevices, movePrimaryLocation, openChallenge, signOutDevice, verifyChallenge } from './routes/device-api';
import { health } from './routes/health';
import { playback } from './routes/playback';

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
    const bindings = built.problems.map((problem) => `${problem.binding} ${problem.message}`).join('; ');
    return problemResponse('MISCONFIGURED', {
      requestId: c.get('requestId'),
      locale: c.get('locale'),
      detail: `The gate's configuration is incomplete: ${bindings}.`,
    });
  }
  c.set('gate', built.gate);
  await next();
});

/** Device API bodies are a few bytes; anything past this is refused before it is read. */
export const DEVICE_BODY_LIMIT_BYTES = 4 * 1024;

app.get('/healthz', health);
app.get('/gate/v1/decision', getDecision);

app.use(
  '/gate/v1/*',
  bodyLimit({
    maxSize: DEVICE_BODY_LIMIT_BYTES,
    onError: (c) => problemResponse('BODY_TOO_LARGE', { requestId: c.get('requestId'), locale: c.get('locale'), detail: `Bodies are limited to ${DEVICE_BODY_LIMIT_BYTES} bytes.` }),
  }),
);
app.post('/gate/v1/challenges', openChallenge);
app.post('/gate/v1/challenges/:id/verify', verifyChallenge);
app.post('/gate/v1/household/primary-location', movePrimaryLocation);
app.get('/gate/v1/household/devices', listDevices);
app.delete('/gate/v1/household/devices/:deviceId', signOutDevice);

app.all('/gate/*', (c) => problemResponse('NOT_FOUND', { requestId: c.get('requestId'), locale: c.get('locale') }));
app.all('/admin/*', (c) => problemResponse('NOT_FOUND', { requestId: c.get('requestId'), locale: c.get('locale') }));
app.all('*', playback);

app.onError((error, c) => {
  const requestId = c.get('requestId') ?? crypto.randomUUID();
  console.error(JSON.stringify({ event: 'unhandled_error', requestId, error: error instanceof Error ? error.name : 'unknown' }));
  return problemResponse('INTERNAL_ERROR', { requestId, locale: c.get('locale') ?? 'en' });
});
