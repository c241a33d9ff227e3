/**
 * Durable Object names: which object holds what, in one place beside the KV
 * keys (kv-keys.ts). `storage-schema.md` documents what each object stores.
 * A name is what `idFromName` hashes, so changing one moves the data out of
 * reach: each stays as it was first written.
 */

/** The one ControlStore: rollout rules, the audit trail, ops events, the guards' schedule. */
export const CONTROL_OBJECT_NAME = 'control';

/** A household's HouseholdStore: the account id itself. */
export function householdObjectName(accountId: string): string {
  return accountId;
}

/** A network's NetworkSharing object: which households hold it as home (keyed hashes). */
export function networkObjectName(networkId: string): string {
  return `network:${networkId}`;
}

/**
 * Shard `shard` of a region's RegionMetrics: shard 0 keeps the name the one
 * object had before sharding (`region:<RR>`), so its counts and guard marks
 * stay readable; shard n ≥ 1 is `region:<RR>#<n>`.
 */
export function regionObjectName(region: string, shard: number): string {
  return shard === 0 ? `region:${region}` : `region:${region}#${shard}`;
}
