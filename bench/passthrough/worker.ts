/**
 * Baseline: a bare passthrough Worker — forwards every request to ORIGIN_URL
 * and streams the answer back. What any Worker in front of the origin costs.
 */
interface Env {
  ORIGIN_URL: string;
}

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    return fetch(env.ORIGIN_URL + url.pathname + url.search, { method: request.method, headers: request.headers, body: request.body });
  },
};
