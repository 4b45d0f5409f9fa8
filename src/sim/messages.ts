/** What simulated validators send each other. */
import type { Proposal, Vote } from '../codec/vote.js';
import type { Maj23Claim } from '../consensus/index.js';

export type SimMessage =
  | { kind: 'proposal'; proposal: Proposal; block: Uint8Array }
  | { kind: 'vote'; vote: Vote }
  /** "I hold +2/3 for this block in this round": the node's maj23 claim (src/node/consensus-gossip.ts). */
  | { kind: 'maj23'; claim: Maj23Claim }
  /** "Send me the votes behind your claim": answered with those votes, one vote message each. */
  | { kind: 'votesRequest'; claim: Maj23Claim }
  /** Garbage a flooding validator sends: the receiver's signature check drops it (it costs only its size). */
  | { kind: 'junk'; height: number; bytes: number };
