/**
 * The chaos runner's ear on the testnet (spec/faults.md): a libp2p host of its own, with no
 * validator key, dialling every node and subscribed to the chain's vote, proposal and evidence
 * topics. Its handlers feed a VoteWatch and answer 'ignore', so it never relays anything and
 * never scores a node: it only listens. It is nobody's persistent peer and sits outside the
 * injected link faults (their rules name the nodes' peers), so it hears both sides of a partition.
 */
import { topicsFor } from '../node/network.js';
import type { Logger } from '../node/logger.js';
import { P2PHost } from '../p2p/host.js';
import { generateNodeKey } from '../p2p/node-key.js';
import { VoteWatch, type WatchedValidator } from '../sim/vote-watch.js';

export interface GossipListener {
  readonly watch: VoteWatch;
  readonly host: P2PHost;
  stop(): Promise<void>;
}

export async function startGossipListener(options: { chainId: string; validators: readonly WatchedValidator[]; peers: readonly string[]; logger: Logger }): Promise<GossipListener> {
  const watch = new VoteWatch(options.chainId, options.validators);
  const host = await P2PHost.start({ nodeKey: await generateNodeKey(), logger: options.logger, listenHost: '127.0.0.1', persistentPeers: [...options.peers] });
  const topics = topicsFor(options.chainId);
  const listen = (topic: string, record: (data: Uint8Array) => void): void => {
    host.subscribe(topic, (data) => {
      record(data);
      return 'ignore';
    });
  };
  listen(topics.vote, (data) => watch.vote(data));
  listen(topics.proposal, (data) => watch.proposal(data));
  listen(topics.evidence, (data) => watch.evidenceMessage(data));
  return { watch, host, stop: () => host.stop() };
}
