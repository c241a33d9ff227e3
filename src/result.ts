/**
 * The one result shape, codebase-wide: an outcome that either succeeded
 * (`{ ok: true, value }`) or did not (`{ ok: false, error }`), discriminated
 * on `ok` so a caller narrows with `if (!result.ok)`. An error is a tagged
 * union (most often on `reason`, a catalog reason code) that the HTTP layer
 * turns into problem details in one place (`problemFor` in http/problem.ts
 * and the route's own `…Problem` mapper); nothing fails by returning null, a
 * string sentinel or a `Response` to be sniffed with `instanceof`.
 *
 * Results cross Durable Object RPC as plain objects: build them with `ok()`
 * and `err()`, which add nothing else.
 */
export type Ok<Value> = { ok: true; value: Value };
export type Err<Failure> = { ok: false; error: Failure };
export type Result<Value, Failure> = Ok<Value> | Err<Failure>;

export function ok(): Ok<void>;
export function ok<Value>(value: Value): Ok<Value>;
export function ok<Value>(value?: Value): Ok<Value | undefined> {
  return { ok: true, value };
}

export function err<Failure>(error: Failure): Err<Failure> {
  return { ok: false, error };
}
