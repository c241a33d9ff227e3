/**
 * The schemas a binding's value is read with — whole numbers in a range,
 * shares, durations, URLs, CORS origins — and `reader`, which reads one
 * binding through one of them and records a named problem instead of
 * throwing. Values may arrive as TOML values or as strings, so both are
 * accepted. A problem's message never holds the value itself.
 */
import * as z from 'zod';
import { DurationError, parseDurationMs } from './duration';
import type { ConfigBinding, ConfigBindings, ConfigProblem } from './gate-config';

export const intFrom = (min: number, max: number) =>
  z.preprocess(
    (value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value),
    z.number(`must be a whole number`).int(`must be a whole number`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`),
  );

export const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return parseDurationMs(String(value));
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof DurationError ? error.message : 'is not a duration' });
    return z.NEVER;
  }
});

/**
 * A duration of whole seconds, at least one (PLAYBACK_SESSION_TTL): a playback session's expiry is kept in unix
 * seconds, so `PT0.5S` would make sessions that end before or as they are handed out.
 */
export const wholeSecondsDuration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    const ms = parseDurationMs(String(value));
    if (ms >= 1000 && ms % 1000 === 0) return ms;
    ctx.addIssue({ code: 'custom', message: 'must be whole seconds, at least PT1S' });
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof DurationError ? error.message : 'is not a duration' });
  }
  return z.NEVER;
});

/** A number from 0 to 1 (a TOML number, or a string holding one). */
export const share = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value),
  z.number('must be a number from 0 to 1').min(0, 'must be at least 0').max(1, 'must be at most 1'),
);

/** Counts reach their region within this long of a decision (docs/api.md); a shorter interval is allowed, a longer one is not. */
export const MAX_METRICS_FLUSH_INTERVAL_MS = 10_000;

/** A person waits for the code webhook's answer: a delivery may wait at most this long (NOTIFY_TIMEOUT). */
export const MAX_NOTIFY_TIMEOUT_MS = 30_000;

/** The longest away access AWAY_ACCESS_MAX may allow: a year and a day (a posting, a school year). */
export const MAX_AWAY_ACCESS_MS = 366 * 24 * 60 * 60 * 1000;

/** The most RegionMetrics objects per region: a guard's reading pulls one sketch from each (docs/ops.md, "Metrics shards"). */
export const MAX_METRICS_SHARDS = 64;
export const metricsShardsSchema = intFrom(1, MAX_METRICS_SHARDS);

/** A duration up to `maxMs`, from zero (`PT0S`) when `allowZero`, else longer than zero. */
export const durationUpTo = (maxMs: number, { allowZero }: { allowZero: boolean }) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    try {
      const ms = parseDurationMs(String(value), { allowZero });
      if (ms <= maxMs) return ms;
      ctx.addIssue({ code: 'custom', message: `must be at most ${maxMs / 1000} s` });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof DurationError ? error.message : 'is not a duration' });
    }
    return z.NEVER;
  });

export const nonEmpty = z.string().trim().min(1, 'is required');
export const httpUrl = z
  .string()
  .trim()
  .url('must be an absolute URL')
  .refine((url) => /^https?:\/\//i.test(url), 'must be an http(s) URL');
/** In production, where codes and ops events travel: https only. */
export const httpsUrl = httpUrl.refine((url) => /^https:\/\//i.test(url), 'must be an https URL in production (codes would travel in clear text)');
/** Where a person finds support: a web page (https in production) or a `mailto:` address. */
export const supportUrlSchema = (production: boolean) =>
  z
    .string()
    .trim()
    .url('must be an absolute URL')
    .refine(
      (url) => /^mailto:[^\s@]+@[^\s@]+$/i.test(url) || (production ? /^https:\/\//i : /^https?:\/\//i).test(url),
      production ? 'must be an https URL or a mailto: address' : 'must be an http(s) URL or a mailto: address',
    );
/** Request paths are appended to the origin, so it has no query or fragment of its own. */
export const originUrlSchema = httpUrl.refine((value) => !value.includes('?') && !value.includes('#'), 'must not carry a query or fragment (request paths are appended to it)');

/**
 * CORS_ALLOWED_ORIGINS: web origins separated by spaces or commas, each
 * exactly as a browser sends it in `Origin` (`https://player.example`, a
 * port when it is not the default, no path, no trailing slash), since the
 * match is exact. `*` is refused: the answers carry credentials. In
 * production, https only: a player page served over http can be changed by
 * anyone on its path, and would then hold the viewer's session.
 */
export const corsOrigins = (production: boolean) =>
  z.string().transform((value, ctx) => {
    const origins = new Set<string>();
    for (const text of value
      .trim()
      .split(/[\s,]+/)
      .filter((part) => part.length > 0)) {
      const problem = corsOriginProblem(text, production);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
      else origins.add(text);
    }
    return origins as ReadonlySet<string>;
  });

function corsOriginProblem(text: string, production: boolean): string | null {
  if (text === '*' || text === 'null') return `"${text}" is not allowed: list each player's origin (answers carry credentials)`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not an origin (write it as https://player.example)`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${text}" must be an http(s) origin`;
  if (production && url.protocol !== 'https:') return `"${text}" must be an https origin in production`;
  if (url.origin !== text) return `"${text}" must be written exactly as browsers send it: ${url.origin} (no path, no trailing slash, lower case, no default port)`;
  return null;
}

/**
 * Reads one binding through `schema`, recording a named problem instead of throwing.
 * Absent (undefined or empty string) bindings take `fallback`; a required one without
 * a fallback is reported as missing.
 */
export function reader(raw: ConfigBindings, problems: ConfigProblem[]) {
  return function read<T>(binding: ConfigBinding, schema: z.ZodType<T>, fallback?: T | (() => T)): T {
    const value = raw[binding];
    if (value === undefined || value === null || value === '') {
      if (fallback !== undefined) return typeof fallback === 'function' ? (fallback as () => T)() : fallback;
      problems.push({ binding, message: 'is required but not set' });
      return undefined as T;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    problems.push({ binding, message: parsed.error.issues.map((issue) => issue.message).join('; ') });
    return undefined as T;
  };
}
