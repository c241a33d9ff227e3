/**
 * Networks a household held as home and no longer does, kept only so that an
 * erase can take the household out of their sharing counts (contract §7:
 * "its holder entries in every network's count").
 *
 * A network's count keeps a household's row for `TRUST_WINDOW` after the
 * household last confirmed it. A network that leaves because it went unseen
 * for the trust window has no row left; one that leaves early — pushed out
 * when the household is full, or replaced by a new primary location — keeps
 * its row for up to a trust window more. Such networks are noted here with
 * their holder id (a keyed hash, unrelated to the account without the key)
 * and the time of their last confirmation, and dropped once that is a trust
 * window old.
 *
 * Bounded: a network joins a household at most once per `seenWriteIntervalMs`
 * (a thirty-first of the trust window) through its TV, and a few times more
 * by a primary-location change, so at most about 31 + 3 leave within one
 * trust window. MAX_FORMER_NETWORKS keeps the most recently confirmed 48;
 * an older one past the cap would only be a row that forgets the household by
 * itself within the trust window.
 */
import type { Household } from './household';

export const MAX_FORMER_NETWORKS = 48;

export interface FormerNetwork {
  networkId: string;
  /** The id the network's sharing count holds for this household. */
  holderId: string;
  /** When the household last confirmed the network (its row in the count is as old). */
  heldAt: number;
}

/**
 * The list after a change from `before` to `after`: networks that carried a
 * holder id before and are gone after are added; a network back among the
 * household's networks leaves the list. Answers the same array when nothing
 * changed, so the caller writes it only when it did.
 */
export function noteFormerNetworks(former: readonly FormerNetwork[], before: Household | null, after: Household): readonly FormerNetwork[] {
  const heldNow = new Set(after.homeNetworks.flatMap((network) => (network.holderId === undefined ? [] : [network.holderId])));
  const left = (before?.homeNetworks ?? [])
    .filter((network) => network.holderId !== undefined && !heldNow.has(network.holderId))
    .map((network): FormerNetwork => ({ networkId: network.networkId, holderId: network.holderId!, heldAt: network.checkedAt ?? network.lastSeenAt }));
  const back = former.some((network) => heldNow.has(network.holderId));
  if (left.length === 0 && !back) return former;
  const leftIds = new Set(left.map((network) => network.holderId));
  const kept = former.filter((network) => !heldNow.has(network.holderId) && !leftIds.has(network.holderId));
  return [...left, ...kept].toSorted((a, b) => b.heldAt - a.heldAt).slice(0, MAX_FORMER_NETWORKS);
}

/** Those whose row in the network's count may still be there: confirmed within the trust window. */
export function formerNetworksWithin(former: readonly FormerNetwork[], trustWindowMs: number, now: number): readonly FormerNetwork[] {
  const live = former.filter((network) => network.heldAt > now - trustWindowMs);
  return live.length === former.length ? former : live;
}
