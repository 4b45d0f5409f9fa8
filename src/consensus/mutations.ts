/**
 * Deliberate bugs in the consensus core (spec/faults.md, "Mutations"): each breaks Tendermint
 * in one known way, to measure whether the simulator's generic scenarios and checkers find
 * it. Reachable only from the simulator (`cmt sim ... --unsafe-mutation NAME`), never from a
 * node's configuration.
 */
export const MUTATIONS = {
  'ignore-lock': 'prevotes for any proposal, locked or not',
  'accept-old-pol': 'unlocks on a proof-of-lock from a round older than its lock',
  'forget-valid-value': 'never records a valid value, so a proposer after a polka proposes a fresh block',
  'quorum-off-by-one': 'counts +2/3 of the power one unit of power too early',
  'sign-without-state': 'signs without consulting the sign state (no double-sign guard)',
  'skip-wal-replay': 'does not replay its WAL on restart',
} as const;

export type MutationName = keyof typeof MUTATIONS;

export const MUTATION_NAMES = Object.keys(MUTATIONS) as MutationName[];

export function isMutation(name: string): name is MutationName {
  return Object.hasOwn(MUTATIONS, name);
}
