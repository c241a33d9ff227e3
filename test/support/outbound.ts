/**
 * The world outside the Worker during tests, run by Miniflare in Node as the
 * Worker's outbound service:
 *
 * - `http://origin.test/…` — an echo origin: answers with what it received
 *   (method, path, query, headers, body), so tests see exactly what Hearth
 *   forwards. `?status=N` sets the status it answers with.
 * - `http://notify.test/hook` — the verification-code webhook: records every
 *   delivery; `GET http://notify.test/deliveries?accountId=…` lists them;
 *   `?fail=1` on the hook path answers 500, `?redirect=1` a 307 to
 *   `http://elsewhere.test/` (which records what reaches it), `?hang=1`
 *   answers only after 8 s. `http://notify.test/ops` is the ops-event webhook
 *   (recorded the same way); `POST /ops-fail?count=N&region=XX` makes its
 *   next N deliveries for that region answer 503.
 * - `http://origin-hang.test/…` answers only after 3 s.
 *
 * Anything else is refused, so no test reaches a real network.
 */
const deliveries: Array<{ headers: Record<string, string>; body: string; receivedAt: number }> = [];
/** Requests that reached a host the gate must never send to (a webhook's redirect target). */
const strays: string[] = [];
/**
 * How many of the next ops-event deliveries (`/ops`) for a region answer 503 (`POST /ops-fail?count=N&region=XX`
 * sets it): per region, since two workerd runtimes run files side by side and both deliver here.
 */
const opsFailures = new Map<string, number>();
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function outbound(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.hostname === 'origin.test') {
    const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
    const status = Number(url.searchParams.get('status') ?? 200);
    return Response.json(
      {
        method: request.method,
        path: url.pathname,
        query: url.search,
        headers: Object.fromEntries(request.headers),
        bodyLength: body.length,
        bodyHead: body.slice(0, 64),
      },
      { status, headers: { 'X-Origin': 'echo', 'Cache-Control': 'public, max-age=6' } },
    );
  }
  if (url.hostname === 'origin-hang.test') {
    await wait(3000);
    return new Response('late');
  }
  if (url.hostname === 'elsewhere.test') {
    strays.push(await request.text());
    return new Response(null, { status: 204 });
  }
  if (url.hostname === 'notify.test') {
    if (url.pathname === '/strays') return Response.json(strays);
    if (url.searchParams.get('redirect') === '1') return new Response(null, { status: 307, headers: { Location: 'http://elsewhere.test/collect' } });
    if (url.searchParams.get('hang') === '1') {
      await wait(8000);
      return new Response(null, { status: 204 });
    }
    if (url.pathname === '/deliveries') {
      const account = url.searchParams.get('accountId');
      return Response.json(deliveries.filter((d) => !account || JSON.parse(d.body).accountId === account));
    }
    if (url.searchParams.get('fail') === '1') return new Response('down', { status: 500 });
    if (url.pathname === '/ops-fail') {
      opsFailures.set(url.searchParams.get('region') ?? '', Number(url.searchParams.get('count') ?? 1));
      return new Response(null, { status: 204 });
    }
    if (url.pathname === '/ops') {
      const event = (await request
        .clone()
        .json()
        .catch(() => ({}))) as { region?: unknown };
      const region = String(event.region ?? '');
      const failures = opsFailures.get(region) ?? 0;
      if (failures > 0) {
        opsFailures.set(region, failures - 1);
        return new Response('ops receiver down', { status: 503 });
      }
    }
    deliveries.push({ headers: Object.fromEntries(request.headers), body: await request.text(), receivedAt: Date.now() });
    return new Response(null, { status: 204 });
  }
  return new Response(`test outbound: ${url.hostname} is not reachable from tests`, { status: 599 });
}
