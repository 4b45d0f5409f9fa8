/**
 * The points where a Byzantine strategy (src/node/byzantine.ts) bends a validator's driver.
 * A correct node has none; the simulator and `cmt node start --byzantine` (local chains only)
 * install one. Every hook is optional and leaves the correct behaviour in place when absent or
 * when it answers false.
 */
import type { Proposal, Vote } from '../codec/vote.js';
import type { ConsensusState } from '../consensus/index.js';

export interface DriverAdversary {
  /** Before the core steps an event: may rewrite the validator's own state (forget its lock). */
  beforeStep?(core: ConsensusState): void;
  /** The block to propose instead of the one PrepareProposal built (bytes and header hash). */
  alterProposalBlock?(height: number, round: number, built: { bytes: Uint8Array; hash: Uint8Array }): Promise<{ bytes: Uint8Array; hash: Uint8Array }>;
  /** Instead of gossiping the validator's own signed proposal; true when handled. */
  sendProposal?(proposal: Proposal, block: Uint8Array): Promise<boolean>;
  /** Instead of gossiping the validator's own signed vote; true when handled. */
  sendVote?(vote: Vote): Promise<boolean>;
}
