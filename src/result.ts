/**
 * The one result type: an outcome that either succeeded (`ok: true` with what
 * it produced) or did not (`ok: false` with why). Discriminated on `ok`, so a
 * caller narrows with `if (!result.ok)`; the fields on each side are the
 * operation's own (`household`, `reason`, `retryAfterSeconds`…).
 */
export type Result<Success extends object, Failure extends object> = ({ ok: true } & Success) | ({ ok: false } & Failure);
