/**
 * What the operation lists share: the problem answers every operation documents the same way.
 */
export const problem = (description: string) => ({ description, problem: true });
export const tokenProblem = problem(
  'Token missing, invalid or expired, the device was signed out (`TOKEN_*`, `DEVICE_REVOKED`), or a device-bound token without a valid DPoP proof, a device id bound to another key, or (`DEVICE_BINDING=required`) an unbound token (`DEVICE_PROOF_REQUIRED`, with `WWW-Authenticate: DPoP`).',
);
export const adminAuth = { 401: problem('Admin token missing, invalid or expired.'), 403: problem('`SCOPE_REQUIRED`: the token lacks the scope.') };
export const badInput = problem('`INVALID_REQUEST`: malformed JSON or a field out of range; `field` names it.');
export const tooLarge = problem('`BODY_TOO_LARGE`: the body is over the limit.');
export const ifMatch = { 'If-Match': { description: 'The rollout version last read (`"7"`); the change is refused with 412 if it moved.' } };
