/**
 * Gossipsub settings for a small validator network (a handful to tens of nodes that know each
 * other through persistent peers). See spec/p2p.md for the reasoning behind each value.
 */
import { createHash } from 'node:crypto';
import { StrictNoSign, type GossipsubOpts } from '@libp2p/gossipsub';

/**
 * gossipsub 17 length-prefixes every outgoing RPC with it-length-prefixed's default 4 MiB limit and
 * offers no option to raise it: a larger RPC is dropped with only a libp2p debug log, on publish
 * and on forward alike. Gossip payloads therefore stay below this ceiling whatever the host's
 * maxMessageBytes; bigger payloads must travel over request/response.
 */
export const GOSSIPSUB_MAX_RPC_BYTES = 4 * 1024 * 1024;
/**
 * Room in that RPC for everything but the payload: signature, key, from, seqno and topic (a few
 * hundred bytes) plus control messages gossipsub piggy-backs (IHAVE ids are 32 bytes each).
 */
export const GOSSIP_ENVELOPE_BYTES = 64 * 1024;
export const GOSSIP_HEARTBEAT_MS = 700;

/** The largest gossip payload a host with this maxMessageBytes sends or accepts. */
export function maxGossipBytes(maxMessageBytes: number): number {
  return Math.min(maxMessageBytes, GOSSIPSUB_MAX_RPC_BYTES - GOSSIP_ENVELOPE_BYTES);
}

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
    // Every payload authenticates itself (signed votes and proposals, signed transactions,
    // evidence made of signed votes), so signing each gossip message again with the node key,
    // and verifying that on every hop, would buy nothing; ids are content hashes either way.
    globalSignaturePolicy: StrictNoSign,
    // The id is the content hash, so the same bytes from two nodes, or published twice, are one
    // message, and a duplicate costs one hash before it is dropped.
    msgIdFn: (msg) => sha256(msg.data),
    fastMsgIdFn: (rpcMsg) => createHash('sha256').update(rpcMsg.data ?? new Uint8Array(0)).digest('hex'),
    msgIdToStrFn: (id) => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex'),
    heartbeatInterval: options.heartbeatMs ?? GOSSIP_HEARTBEAT_MS,
    // Peer exchange is for open networks; validators are introduced by configuration.
    doPX: false,
    fallbackToFloodsub: false,
    // An RPC larger than a maximal payload plus its envelope is dropped while decoding; a payload
    // between the limit and that reaches the topic validator, which rejects and scores it.
    maxInboundDataLength: maxGossipBytes(options.maxMessageBytes) + GOSSIP_ENVELOPE_BYTES,
    // Room for a burst of maximal messages to a slow peer before gossipsub resets its stream.
    maxOutboundBufferSize: 8 * GOSSIPSUB_MAX_RPC_BYTES,
    scoreParams: {
      // Local devnets run every node on one IP; colocation is not evidence of a Sybil here.
      IPColocationFactorWeight: 0,
    },
  };
}
