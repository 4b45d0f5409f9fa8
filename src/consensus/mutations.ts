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
  'broadcast-before-wal': 'sends its own proposals and votes before the WAL holds them',
  'sign-before-persist': 'returns a signature before the sign state that guards it is durable',
} as const;

export type MutationName = keyof typeof MUTATIONS;

export const MUTATION_NAMES = Object.keys(MUTATIONS) as MutationName[];

export function isMutation(name: string): name is MutationName {
  return Object.hasOwn(MUTATIONS, name);
}

/** The mutations switched on, as the core, driver and signer ask for them (none on a real node). */
export type MutationSet = readonly MutationName[];

export function hasMutation(set: MutationSet | undefined, name: MutationName): boolean {
  return set !== undefined && set.includes(name);
}

/** One mutation, several, or none, as a list. */
export function mutationsOf(mutation: MutationName | MutationSet | undefined): MutationSet {
  if (mutation === undefined) return [];
  return typeof mutation === 'string' ? [mutation] : mutation;
}
