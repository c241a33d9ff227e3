/**
 * Reading a JSON request body: malformed JSON and invalid fields become
 * `400 INVALID_REQUEST` naming the field; the size limit is enforced by
 * hono's bodyLimit middleware before this runs (`413 BODY_TOO_LARGE`).
 */
import type { z } from 'zod';
import type { AppContext } from './context';
import { problemFor } from './problem';
import type { Result } from '../result';

export type BodyResult<T> = Result<{ value: T }, { response: Response }>;

/** Reads and validates a JSON body; with `optional`, no body at all is validated as `{}`. */
export async function readJsonBody<T>(c: AppContext, schema: z.ZodType<T>, options: { optional?: boolean } = {}): Promise<BodyResult<T>> {
  const text = await c.req.text();
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    return { ok: false, response: invalid(c, '(body)', 'The body is not valid JSON.') };
  }
  if (parsed === undefined && options.optional) parsed = {};
  if (parsed === undefined) return { ok: false, response: invalid(c, '(body)', 'A JSON body is required.') };
  return validate(c, schema, parsed);
}

/** Validates already-parsed input (a body, query parameters, path parameters). */
export function validate<T>(c: AppContext, schema: z.ZodType<T>, input: unknown): BodyResult<T> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const errors = result.error.issues.map((issue) => {
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    return { field: path.map(String).join('.') || '(body)', message: issue.message };
  });
  const first = errors[0]!;
  return { ok: false, response: invalid(c, first.field, `${first.field}: ${first.message}`, errors) };
}

export function invalid(c: AppContext, field: string, detail: string, errors = [{ field, message: detail }]): Response {
  return problemFor(c, 'INVALID_REQUEST', { detail, extra: { field, errors } });
}
