/**
 * One step of compatibility (CONTRIBUTING.md): during a gradual deployment,
 * or a rollback, a Durable Object may still run the release before this one,
 * which lacks the methods this release added. Calling one rejects with the
 * runtime's error naming it; the caller then uses the method the release
 * before had, when it can answer the same.
 */
export function lacksMethod(error: unknown, method: string): boolean {
  if (!(error instanceof Error)) return false;
  return error.message.includes(`"${method}"`) && /does not (implement|have)|not a function|no such method/i.test(error.message);
}
