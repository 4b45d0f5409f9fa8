/** What simulated validators send each other. */
import type { Proposal, Vote } from '../codec/vote.js';

export type SimMessage =
  | { kind: 'proposal'; proposal: Proposal; block: Uint8Array }
  | { kind: 'vote'; vote: Vote }
  /** Garbage a flooding validator sends: the receiver's signature check drops it (it costs only its size). */
  | { kind: 'junk'; height: number; bytes: number };
