/**
 * The development headers a local run simulates a viewer with — the region
 * (`Hearth-Sim-Country`) and the address (`CF-Connecting-IP`, and
 * `CF-Connecting-IPv6` behind a Pseudo IPv4 address) — checked before
 * anything reads them. In development a typo (`Peru`, `ZZZ`, `999.1.1.1`,
 * `banana`) used to be dropped without a word, so the request quietly played
 * as region `US` from "away"; it is now `400 INVALID_REQUEST` naming the
 * header. The answer never repeats the value (an address stays out of every
 * answer and log line).
 *
 * Development only: in production Cloudflare sets the address headers and
 * `Hearth-Sim-Country` is ignored (edge/region.ts), so nothing is checked.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/context';
import { invalid } from '../http/json-body';
import { SIM_COUNTRY_HEADER } from '../edge/region';
import { ADDRESS_PREFIXES, networkPrefixBytes } from '../network/network-id';

/** A region as the header takes it: two letters, any case (`pe` is `PE`). */
const COUNTRY = /^\s*[A-Za-z]{2}\s*$/;
const ADDRESS_HEADERS = ['CF-Connecting-IP', 'CF-Connecting-IPv6'] as const;

/** Which development header is wrong, and what to send instead; null when every one present is usable. */
export function simulatedHeaderProblem(headers: Headers): { header: string; detail: string } | null {
  const country = headers.get(SIM_COUNTRY_HEADER);
  if (country !== null && !COUNTRY.test(country)) {
    return {
      header: SIM_COUNTRY_HEADER,
      detail: `${SIM_COUNTRY_HEADER} must be a two-letter ISO 3166-1 country code such as PE, CL or US (development simulates the viewer's region with it; leave it out for none).`,
    };
  }
  for (const header of ADDRESS_HEADERS) {
    const address = headers.get(header);
    if (address !== null && networkPrefixBytes(address, ADDRESS_PREFIXES) === null) {
      return {
        header,
        detail: `${header} must be one IPv4 or IPv6 address such as 203.0.113.10 or 2001:db8::10 (development simulates the viewer's network with it; leave it out to use the connection's).`,
      };
    }
  }
  return null;
}

/** Refuses a request whose development headers cannot mean what the developer meant. */
export const checkSimulatedHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  const problem = simulatedHeaderProblem(c.req.raw.headers);
  if (problem) return invalid(c, problem.header, problem.detail);
  await next();
};
