/**
 * Workers KV keys of the read model. `storage-schema.md` documents each.
 */
export const ROLLOUT_KEY = 'rollout:v1';

export function householdKey(accountId: string): string {
  return `household:v1:${accountId}`;
}
