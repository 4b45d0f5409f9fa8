/**
 * Gossipsub settings for a small validator network (a handful to tens of nodes that know each
 * other through persistent peers). See spec/p2p.md for the reasoning behind each value.
 */
import { createHash } from 'node:crypto';
import { StrictSign, type GossipsubOpts } from '@libp2p/gossipsub';

/** RPC envelope around one message: signature, key, from, seqno, topic, control piggy-back. */
export const GOSSIP_ENVELOPE_BYTES = 64 * 1024;
export const GOSSIP_HEARTBEAT_MS = 700;

function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

export function gossipOptions(options: { maxMessageBytes: number; heartbeatMs?: number }): Partial<GossipsubOpts> {
  return {
    emitSelf: false,
    // A node that publishes before its peers are up must not fail; consensus re-sends anyway.
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    // The author sends to every subscribed peer, not only its mesh: with tens of nodes this costs
    // little and takes a hop off the latency of proposals and votes.
    floodPublish: true,
    globalSignaturePolicy: StrictSign,
    // The id is the content hash, so the same bytes signed by two nodes, or published twice, are
    // one message. The fast id (checked before the signature) uses the same hash: duplicates cost
    // a hash, not a signature verification. Gossipsub only caches a fast id after the signature
    // verified, so a forged copy cannot shadow the real one.
    msgIdFn: (msg) => sha256(msg.data),
    fastMsgIdFn: (rpcMsg) => createHash('sha256').update(rpcMsg.data ?? new Uint8Array(0)).digest('hex'),
    msgIdToStrFn: (id) => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex'),
    heartbeatInterval: options.heartbeatMs ?? GOSSIP_HEARTBEAT_MS,
    // Peer exchange is for open networks; validators are introduced by configuration.
    doPX: false,
    fallbackToFloodsub: false,
    // Anything larger than a maximal message plus its envelope is dropped while decoding; a
    // message between the two reaches the topic validator, which rejects and scores it.
    maxInboundDataLength: options.maxMessageBytes + GOSSIP_ENVELOPE_BYTES,
    // Room for a burst of maximal messages to a slow peer before gossipsub resets its stream.
    maxOutboundBufferSize: 8 * (options.maxMessageBytes + GOSSIP_ENVELOPE_BYTES),
    scoreParams: {
      // Local devnets run every node on one IP; colocation is not evidence of a Sybil here.
      IPColocationFactorWeight: 0,
    },
  };
}
