/**
 * The world outside the Worker during tests, run by Miniflare in Node as the
 * Worker's outbound service:
 *
 * - `http://origin.test/…` — an echo origin: answers with what it received
 *   (method, path, query, headers, body), so tests see exactly what Hearth
 *   forwards. `?status=N` sets the status it answers with.
 * - `http://notify.test/hook` — the verification-code webhook: records every
 *   delivery; `GET http://notify.test/deliveries?accountId=…` lists them;
 *   `?fail=1` on the hook path answers 500.
 *
 * Anything else is refused, so no test reaches a real network.
 */
const deliveries: Array<{ headers: Record<string, string>; body: string; receivedAt: number }> = [];

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
  if (url.hostname === 'notify.test') {
    if (url.pathname === '/deliveries') {
      const account = url.searchParams.get('accountId');
      return Response.json(deliveries.filter((d) => !account || JSON.parse(d.body).accountId === account));
    }
    if (url.searchParams.get('fail') === '1') return new Response('down', { status: 500 });
    deliveries.push({ headers: Object.fromEntries(request.headers), body: await request.text(), receivedAt: Date.now() });
    return new Response(null, { status: 204 });
  }
  return new Response(`test outbound: ${url.hostname} is not reachable from tests`, { status: 599 });
}
