/**
 * Reading a JSON request body: malformed JSON and invalid fields become
 * `400 INVALID_REQUEST` naming the field; the size limit is enforced by
 * hono's bodyLimit middleware before this runs (`413 BODY_TOO_LARGE`).
 */
import type { z } from 'zod';
import type { AppContext } from './context';
import { problemFor } from './problem';
import { err, ok, type Result } from '../result';

/** Input its schema refused, told as `400 INVALID_REQUEST`: the first field at fault, and every one. */
export interface InvalidInput {
  reason: 'INVALID_REQUEST';
  field: string;
  detail: string;
  errors: Array<{ field: string; message: string }>;
}

export type BodyResult<T> = Result<T, InvalidInput>;

/** Reads and validates a JSON body; with `optional`, no body at all is validated as `{}`. */
export async function readJsonBody<T>(c: AppContext, schema: z.ZodType<T>, options: { optional?: boolean } = {}): Promise<BodyResult<T>> {
  const text = await c.req.text();
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    return err(invalidInput('(body)', 'The body is not valid JSON.'));
  }
  if (parsed === undefined && options.optional) parsed = {};
  if (parsed === undefined) return err(invalidInput('(body)', 'A JSON body is required.'));
  return validate(schema, parsed);
}

/** Validates already-parsed input (a body, query parameters, path parameters). */
export function validate<T>(schema: z.ZodType<T>, input: unknown): BodyResult<T> {
  const result = schema.safeParse(input);
  if (result.success) return ok(result.data);
  const errors = result.error.issues.map((issue) => {
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    return { field: path.map(String).join('.') || '(body)', message: issue.message };
  });
  const first = errors[0]!;
  return err(invalidInput(first.field, `${first.field}: ${first.message}`, errors));
}

export function invalidInput(field: string, detail: string, errors = [{ field, message: detail }]): InvalidInput {
  return { reason: 'INVALID_REQUEST', field, detail, errors };
}

/** Problem details for input its schema refused. */
export function inputProblem(c: AppContext, input: InvalidInput): Response {
  return problemFor(c, 'INVALID_REQUEST', { detail: input.detail, extra: { field: input.field, errors: input.errors } });
}

export function invalid(c: AppContext, field: string, detail: string, errors = [{ field, message: detail }]): Response {
  return inputProblem(c, invalidInput(field, detail, errors));
}
