/** Evidence between nodes: announced when found, checked before it is kept or forwarded. */
import { decode, encode } from '../codec/schema.js';
import { Evidence } from '../codec/vote.js';
import type { ChainState } from './chain-state.js';
import type { EvidencePool } from './evidence-pool.js';
import type { Logger } from './logger.js';
import { topicsFor, type GossipNetwork, type Verdict } from './network.js';

export class EvidenceGossip {
  private readonly topic: string;

  constructor(
    private readonly net: GossipNetwork,
    private readonly pool: EvidencePool,
    private readonly chain: () => ChainState,
    chainId: string,
    private readonly logger: Logger,
  ) {
    this.topic = topicsFor(chainId).evidence;
  }

  start(): void {
    this.net.subscribe(this.topic, (data, from) => this.onEvidence(data, from));
  }

  announce(evidence: Evidence): void {
    this.net.publish(this.topic, encode(Evidence, evidence)).catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'publishing evidence failed'));
  }

  private async onEvidence(data: Uint8Array, from: string): Promise<Verdict> {
    let evidence: Evidence;
    try {
      evidence = decode(Evidence, data, 'evidence');
    } catch {
      return 'reject';
    }
    const state = this.chain();
    // A node behind the sender cannot judge it yet; that is not the sender's fault.
    if (evidence.voteA.height > state.lastBlockHeight) return 'ignore';
    const result = await this.pool.add(evidence, state);
    if (result.kind === 'invalid') this.logger.debug({ peer: from, reason: result.reason }, 'rejected evidence');
    return result.kind === 'added' ? 'accept' : result.kind === 'known' ? 'ignore' : 'reject';
  }
}
