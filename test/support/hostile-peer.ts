/**
 * A hostile libp2p peer for real-node tests: the same transport stack as a node (TCP, Noise,
 * Yamux, gossipsub with the node's settings) but raw access to streams, so it can send bytes
 * no P2PHost would: garbage frames, length prefixes that lie, streams it never finishes,
 * requests whose answers it never reads, many connections under one identity.
 */
import '../../src/p2p/polyfill.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub, type GossipSub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { Connection, Libp2p, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { gossipOptions } from '../../src/p2p/gossip-config.js';
import { generateNodeKey } from '../../src/p2p/node-key.js';

export class HostilePeer {
  private constructor(
    readonly libp2p: Libp2p<{ pubsub: GossipSub }>,
    private readonly target: string,
  ) {}

  /** A fresh identity connected to `targetAddr` (a multiaddr ending in /p2p/<id>). */
  static async connect(targetAddr: string, topics: string[] = []): Promise<HostilePeer> {
    const key = await generateNodeKey();
    const libp2p = await createLibp2p({
      privateKey: key.privateKey,
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: { reconnectRetries: 0 },
      services: { identify: identify(), pubsub: gossipsub({ ...gossipOptions({ maxMessageBytes: 4 * 1024 * 1024, heartbeatMs: 100 }), floodPublish: true }) },
    });
    for (const topic of topics) libp2p.services.pubsub.subscribe(topic);
    const peer = new HostilePeer(libp2p, targetAddr);
    await libp2p.dial(multiaddr(targetAddr));
    return peer;
  }

  get peerId(): string {
    return this.libp2p.peerId.toString();
  }

  private get targetId(): string {
    return this.target.slice(this.target.lastIndexOf('/p2p/') + 5);
  }

  /** Open connections to the target under this identity. */
  connections(): Connection[] {
    return this.libp2p.getConnections(peerIdFromString(this.targetId)).filter((c) => c.status === 'open');
  }

  /** One more connection under the same identity (libp2p would otherwise reuse the first). */
  async extraConnection(): Promise<Connection> {
    return this.libp2p.dial(multiaddr(this.target), { force: true });
  }

  /** A raw stream for `protocol`; throws if the target refuses it. */
  async stream(protocol: string): Promise<Stream> {
    const stream = await this.libp2p.dialProtocol(peerIdFromString(this.targetId), protocol, { signal: AbortSignal.timeout(5000) });
    return stream;
  }

  /** Whether the target still lets this identity in. */
  isConnected(): boolean {
    return this.connections().length > 0;
  }

  /** Publishes raw bytes on a gossip topic (gossipsub itself never looks inside). */
  async publish(topic: string, data: Uint8Array): Promise<void> {
    await this.libp2p.services.pubsub.publish(topic, data).catch(() => undefined);
  }

  topicPeers(topic: string): number {
    return this.libp2p.services.pubsub.getSubscribers(topic).length;
  }

  async stop(): Promise<void> {
    await this.libp2p.stop();
  }
}

/** Reads a stream to its end or until it fails; what was read. */
export async function drain(stream: Stream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk instanceof Uint8Array ? chunk : chunk.subarray());
  } catch {
    // reset by the remote: what arrived before counts
  }
  return Buffer.concat(chunks);
}
