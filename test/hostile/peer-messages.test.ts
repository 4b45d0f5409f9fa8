/**
 * Every message type a peer can send, sent as an attacker would (spec/hostile-input.md, "Peer
 * messages: every protocol"). Fast layer: random bytes and field-by-field mutations of valid
 * messages fed to every decoder, to the frame decoder, and to every gossip and request handler
 * the node registers; nothing may throw anything but a codec error, nothing may be kept beyond
 * its bound, and a peer whose bytes are provably bad is scored. Real layer: an in-process node
 * deciding blocks, a hostile libp2p peer over loopback TCP that sends garbage on every topic and
 * protocol, opens streams it never finishes, asks and never reads, asks for absurd heights and
 * opens many connections under one identity; the node keeps its pace, its memory and its honest
 * peers.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBlock, EMPTY_COMMIT, encodeBlock } from '../../src/codec/block.js';
import { CmtError } from '../../src/codec/errors.js';
import {
  BlockAnswer,
  BlockRequest,
  CatchUpAnswer,
  CatchUpRequest,
  decodeProposalMessage,
  decodeTxBatch,
  encodeProposalMessage,
  encodeTxBatch,
  Maj23Claim,
  ProposalBlockRequest,
  VotesForBlockAnswer,
} from '../../src/codec/gossip.js';
import { rlpDecode, rlpEncode, type RlpItem } from '../../src/codec/rlp.js';
import { decode, encode } from '../../src/codec/schema.js';
import { decodeVote, encodeVote, Evidence, PREVOTE } from '../../src/codec/vote.js';
import type { ConsensusDriver } from '../../src/node/consensus-driver.js';
import { ConsensusGossip, MAX_CATCH_UP_ANSWER_BYTES } from '../../src/node/consensus-gossip.js';
import { HeightVoteSet } from '../../src/consensus/vote-set.js';
import { toHex } from '../../src/codec/bytes.js';
import type { BlockStore } from '../../src/store/block-store.js';
import { silentLogger } from '../../src/node/logger.js';
import { EvidenceGossip } from '../../src/node/evidence-gossip.js';
import { EvidencePool } from '../../src/node/evidence-pool.js';
import { BlockExecutor } from '../../src/node/block-executor.js';
import type { ChainState } from '../../src/node/chain-state.js';
import { validatorsAt } from '../../src/node/validator-history.js';
import { Maj23Gossip } from '../../src/node/maj23-gossip.js';
import { protocolsFor, type Verdict } from '../../src/node/network.js';
import { TxGossip } from '../../src/node/tx-gossip.js';
import { Mempool } from '../../src/mempool/mempool.js';
import { encodeFrame, encodeVarint, FrameDecoder, FrameError } from '../../src/p2p/frame.js';
import type { Stream } from '@libp2p/interface';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { freePort, isAlive, launchNode, rpcUrlOf, stopNode, waitForHeights } from '../../src/cli/testnet-processes.js';
import { createTestnet, peerAddress, type TestnetManifest, type TestnetNode } from '../../src/node/testnet-homes.js';
import { RpcClient } from '../../src/rpc/client.js';
import { tempDir } from '../support/temp-dir.js';
import { P2PHost } from '../../src/p2p/host.js';
import { generateNodeKey } from '../../src/p2p/node-key.js';
import { HostPool, waitFor, within } from '../p2p/helpers.js';
import { ServeBudget } from '../../src/p2p/serve-budget.js';
import { P2PError } from '../../src/p2p/errors.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { drain, HostilePeer } from '../support/hostile-peer.js';
import { RecordingDriver, ScriptedNetwork, startGossip, topicsFor } from '../support/gossip-harness.js';
import { addressOf, TEST_CHAIN_ID, testKey, transfer } from '../support/nodes.js';
import { blockFor, chainState, CHAIN_ID, duplicateVote, LAST_HEIGHT, lastCommitOf, proposalMessage, signedVote } from '../support/signed-consensus.js';

const RUNS = 150;
/** A short next-block delay: the real-node layer measures its pace over a few dozen blocks. */
const FAST = { ...DEFAULT_CONSENSUS_PARAMS, timeouts: { ...DEFAULT_CONSENSUS_PARAMS.timeouts, nextBlockDelay: 100 } };

/** A gossip network that also keeps the request handlers registered on it. */
class CapturingNetwork extends ScriptedNetwork {
  readonly protocolHandlers = new Map<string, (data: Uint8Array, from: string) => Promise<Uint8Array>>();

  override handle(protocol?: string, handler?: (data: Uint8Array, from: string) => Promise<Uint8Array>): void {
    if (protocol && handler) this.protocolHandlers.set(protocol, handler);
  }

  /** The options of every request made, in order. */
  readonly requestOptions: { protocol: string; maxResponseBytes?: number }[] = [];

  override request(peerId: string, protocol: string, data: Uint8Array, options: { maxResponseBytes?: number } = {}): Promise<Uint8Array> {
    this.requestOptions.push({ protocol, ...options });
    return super.request(peerId, protocol, data);
  }

  serve(protocol: string, data: Uint8Array, from: string): Promise<Uint8Array> {
    const handler = this.protocolHandlers.get(protocol);
    if (!handler) throw new Error(`no handler for ${protocol}`);
    return handler(data, from);
  }
}

// ---- mutations -------------------------------------------------------------------------------

/** Values a hostile field takes: wrong type, empty, huge, negative-looking, max integers. */
const hostileLeaf: fc.Arbitrary<RlpItem> = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.constant(Uint8Array.of(0)),
  fc.constant(new Uint8Array(8).fill(0xff)),
  fc.constant(new Uint8Array(33).fill(0x80)),
  fc.constant(Uint8Array.of(0x7f, 0xff, 0xff, 0xff)),
  fc.uint8Array({ minLength: 0, maxLength: 80 }),
  fc.constant([] as RlpItem[]),
  fc.constant([new Uint8Array(4), [new Uint8Array(1)]] as RlpItem[]),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => new Uint8Array(n).fill(0x41)),
);

/** The path to every node of an RLP tree. */
function paths(item: RlpItem, prefix: number[] = []): number[][] {
  if (!Array.isArray(item)) return [prefix];
  return [prefix, ...item.flatMap((child, i) => paths(child, [...prefix, i]))];
}

function replaceAt(item: RlpItem, path: number[], value: RlpItem | null): RlpItem {
  if (path.length === 0) return value ?? new Uint8Array(0);
  if (!Array.isArray(item)) return item;
  const [head, ...rest] = path as [number, ...number[]];
  const copy = [...item];
  if (rest.length === 0 && value === null) copy.splice(head, 1);
  else copy[head] = replaceAt(copy[head] as RlpItem, rest, value);
  return copy;
}

/** Field-level mutations of a valid encoding (replace, drop, add a field) and byte-level ones (flip, cut, append). */
function mutationsOf(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const tree = rlpDecode(valid);
  const all = paths(tree);
  const field = fc.tuple(fc.constantFrom(...all), fc.option(hostileLeaf, { nil: null })).map(([path, leaf]) => rlpEncode(replaceAt(tree, path, leaf)));
  const extra = hostileLeaf.map((leaf) => rlpEncode(Array.isArray(tree) ? [...tree, leaf] : [tree, leaf]));
  const flip = fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
    const copy = Uint8Array.from(valid);
    copy[at]! ^= x;
    return copy;
  });
  const cut = fc.nat(valid.length - 1).map((n) => valid.subarray(0, n));
  const append = fc.uint8Array({ minLength: 1, maxLength: 16 }).map((tail) => Buffer.concat([valid, tail]));
  return fc.oneof(field, extra, flip, cut, append);
}

const randomBytes = fc.uint8Array({ minLength: 0, maxLength: 2048 });

/** A codec error is the only thing a decoder may throw at a peer's bytes. */
function decodesOrRefuses(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof CmtError)) throw new Error(`a non-codec error escaped: ${String(err)}`, { cause: err });
  }
}

// ---- valid samples of every message ----------------------------------------------------------

const chain = chainState();
const height = LAST_HEIGHT + 1;
const block = blockFor(chain, height, { txs: [Uint8Array.of(1, 2, 3)], evidence: [], lastCommit: lastCommitOf(chain) });
const proposalBytes = encodeProposalMessage(proposalMessage(chain, block, 0));
const voteBytes = encodeVote(signedVote(chain, { height, round: 0, type: PREVOTE, member: 1 }));
const evidenceBytes = encode(Evidence, duplicateVote(chain, 0));
const claim = { height, round: 0, voteType: PREVOTE as typeof PREVOTE, blockHash: new Uint8Array(32).fill(1) };
const samples: Record<string, { bytes: Uint8Array; decode: (b: Uint8Array) => unknown }> = {
  proposal: { bytes: proposalBytes, decode: decodeProposalMessage },
  vote: { bytes: voteBytes, decode: decodeVote },
  evidence: { bytes: evidenceBytes, decode: (b) => decode(Evidence, b) },
  txBatch: { bytes: encodeTxBatch([Uint8Array.of(1), new Uint8Array(300)]), decode: decodeTxBatch },
  block: { bytes: encodeBlock(block), decode: decodeBlock },
  catchUpRequest: { bytes: encode(CatchUpRequest, { height, haveProposals: [0, 1], round: 1, haveVotes: [{ round: 0, prevotes: Uint8Array.of(0b1011), precommits: Uint8Array.of(1) }] }), decode: (b) => decode(CatchUpRequest, b) },
  catchUpAnswer: {
    bytes: encode(CatchUpAnswer, { lastHeight: LAST_HEIGHT, proposals: [decodeProposalMessage(proposalBytes)], votes: [decodeVote(voteBytes)] }),
    decode: (b) => decode(CatchUpAnswer, b),
  },
  blockRequest: { bytes: encode(BlockRequest, { height }), decode: (b) => decode(BlockRequest, b) },
  blockAnswer: { bytes: encode(BlockAnswer, { lastHeight: height, block: encodeBlock(block), commit: EMPTY_COMMIT }), decode: (b) => decode(BlockAnswer, b) },
  proposalBlockRequest: { bytes: encode(ProposalBlockRequest, { blockHash: new Uint8Array(32) }), decode: (b) => decode(ProposalBlockRequest, b) },
  maj23Claim: { bytes: encode(Maj23Claim, claim), decode: (b) => decode(Maj23Claim, b) },
  votesForBlockAnswer: { bytes: encode(VotesForBlockAnswer, [decodeVote(voteBytes)]), decode: (b) => decode(VotesForBlockAnswer, b) },
};

describe('decoders of every peer message', () => {
  for (const [name, { bytes, decode: decodeIt }] of Object.entries(samples)) {
    it(`${name}: random bytes and mutated valid ones decode or fail with a codec error`, () => {
      expect(() => decodeIt(bytes)).not.toThrow();
      fc.assert(fc.property(fc.oneof(randomBytes, mutationsOf(bytes)), (data) => decodesOrRefuses(() => decodeIt(data))), { numRuns: RUNS });
    });
  }
});

describe('the frame decoder', () => {
  const chunked = fc.array(fc.uint8Array({ minLength: 0, maxLength: 64 }), { maxLength: 8 });

  it('throws only frame errors and never holds more than it was sent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1 << 26 }), chunked, fc.boolean(), (limit, chunks, framed) => {
        const decoder = new FrameDecoder(limit);
        const input = framed ? [encodeFrame(Buffer.concat(chunks)).subarray(0, 6), ...chunks] : chunks;
        let received = 0;
        try {
          for (const chunk of input) {
            received += chunk.length;
            if (decoder.push(chunk) !== null) break;
            expect(decoder.bufferedBytes).toBeLessThanOrEqual(received);
          }
        } catch (err) {
          expect(err).toBeInstanceOf(FrameError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a length prefix claiming gigabytes at once, and one claiming the limit costs only what arrives', () => {
    for (const claimed of [2 ** 30, 2 ** 34, 2 ** 35 - 1]) {
      const decoder = new FrameDecoder(64 * 1024 * 1024);
      expect(() => decoder.push(encodeVarint(claimed))).toThrow(FrameError);
    }
    // 64 streams each announcing a 64 MiB frame and sending nothing more.
    const before = process.memoryUsage().arrayBuffers;
    const decoders = Array.from({ length: 64 }, () => {
      const decoder = new FrameDecoder(64 * 1024 * 1024);
      decoder.push(encodeVarint(64 * 1024 * 1024));
      return decoder;
    });
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(decoders.every((d) => d.bufferedBytes === 0)).toBe(true);
    expect(grown).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('consensus gossip handlers', () => {
  const topics = topicsFor(CHAIN_ID);
  const protocols = protocolsFor(CHAIN_ID);

  function gossipUnderTest(): { net: CapturingNetwork; driver: RecordingDriver } {
    const net = new CapturingNetwork(['peer-a']);
    const driver = new RecordingDriver(chainState());
    // A store holding block LAST_HEIGHT only: every other height is asked for in vain.
    const store = {
      height: LAST_HEIGHT,
      loadBlockBytes: async (h: number) => (h === LAST_HEIGHT ? encodeBlock(block) : undefined),
      loadSeenCommit: async (h: number) => (h === LAST_HEIGHT ? EMPTY_COMMIT : undefined),
    };
    new ConsensusGossip(net, driver as unknown as ConsensusDriver, store as unknown as BlockStore, silentLogger(), {
      tickMs: 60_000,
      maxHeldBytesPerPeer: 64 * 1024,
      maxHeldBytes: 256 * 1024,
    }).start();
    net.responders.set('hostile', async () => new Uint8Array(0));
    return { net, driver };
  }

  for (const [topic, valid] of [
    ['proposal', proposalBytes],
    ['vote', voteBytes],
  ] as const) {
    it(`${topic}: every mutation is refused or ignored, never reaches the core, and undecodable bytes are scored`, async () => {
      const { net, driver } = gossipUnderTest();
      expect(await net.deliver(topics[topic], valid, 'honest')).toBe('accept');
      let again = 0;
      const seen = driver.events.length;
      await fc.assert(
        fc.asyncProperty(fc.oneof(randomBytes, mutationsOf(valid)), async (data) => {
          let undecodable = false;
          try {
            (topic === 'vote' ? decodeVote : decodeProposalMessage)(data);
          } catch {
            undecodable = true;
          }
          const verdict: Verdict = await net.deliver(topics[topic], data, 'hostile');
          expect(['accept', 'reject', 'ignore']).toContain(verdict);
          if (undecodable) expect(verdict).toBe('reject');
          // Canonical encodings: the only accepted bytes are the signed message itself.
          if (verdict === 'accept') {
            expect(Buffer.from(data).equals(Buffer.from(valid))).toBe(true);
            again++;
          }
        }),
        { numRuns: RUNS },
      );
      // Only the signed message itself reached the core (gossipsub would have dropped the copies).
      expect(driver.events.length).toBe(seen + again);
    });
  }

  it('request handlers answer any bytes with an answer or a codec error, within the message limit', async () => {
    const { net } = gossipUnderTest();
    // Well-formed requests with any height at all, beside garbage and mutations.
    const anyHeight = fc.oneof(fc.nat(10), fc.constant(LAST_HEIGHT), fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER), fc.maxSafeNat());
    const wellFormed = {
      [protocols.catchUp]: fc
        .tuple(anyHeight, fc.array(anyHeight, { maxLength: 64 }), anyHeight, fc.array(fc.record({ round: anyHeight, prevotes: fc.uint8Array({ maxLength: 1250 }), precommits: fc.uint8Array({ maxLength: 1250 }) }), { maxLength: 2 }))
        .map(([h, have, round, haveVotes]) => encode(CatchUpRequest, { height: h, haveProposals: have, round, haveVotes })),
      [protocols.block]: anyHeight.map((h) => encode(BlockRequest, { height: h })),
      [protocols.proposalBlock]: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((blockHash) => encode(ProposalBlockRequest, { blockHash })),
    };
    for (const protocol of [protocols.catchUp, protocols.block, protocols.proposalBlock]) {
      const valid = protocol === protocols.catchUp ? samples.catchUpRequest!.bytes : protocol === protocols.block ? samples.blockRequest!.bytes : samples.proposalBlockRequest!.bytes;
      await fc.assert(
        fc.asyncProperty(fc.oneof(randomBytes, mutationsOf(valid), wellFormed[protocol]!), async (data) => {
          try {
            const answer = await net.serve(protocol, data, 'hostile');
            expect(answer.length).toBeLessThan(1024 * 1024);
          } catch (err) {
            expect(err).toBeInstanceOf(CmtError);
          }
        }),
        { numRuns: RUNS },
      );
    }
  });
});

describe('maj23 claims and votes-for-block requests', () => {
  it('any bytes get an answer or a codec error, and a claim queues at most one vote fetch per peer', async () => {
    const net = new CapturingNetwork(['peer-a']);
    const driver = new RecordingDriver(chainState());
    const maj23 = new Maj23Gossip(net, driver as unknown as ConsensusDriver, silentLogger(), { intervalMs: 60_000, requestTimeoutMs: 1000 });
    maj23.start();
    maj23.stop();
    const protocols = protocolsFor(CHAIN_ID);
    const wellFormedClaims = fc
      .record({ height: fc.oneof(fc.constant(height), fc.maxSafeNat()), round: fc.oneof(fc.nat(3), fc.maxSafeNat()), voteType: fc.constantFrom(1, 2), blockHash: fc.uint8Array({ minLength: 32, maxLength: 32 }) })
      .map((c) => encode(Maj23Claim, { ...c, voteType: c.voteType as typeof PREVOTE }));
    for (const protocol of [protocols.maj23, protocols.votesForBlock]) {
      await fc.assert(
        fc.asyncProperty(fc.oneof(randomBytes, mutationsOf(samples.maj23Claim!.bytes), wellFormedClaims), async (data) => {
          try {
            const answer = await net.serve(protocol, data, 'hostile');
            expect(answer.length).toBeLessThan(64 * 1024);
          } catch (err) {
            expect(err).toBeInstanceOf(CmtError);
          }
        }),
        { numRuns: RUNS },
      );
    }
  });
});

describe('transaction batches', () => {
  let harness: AppHarness;
  let gossip: { deliver: (data: Uint8Array) => Promise<Verdict>; mempool: Mempool };

  beforeAll(async () => {
    harness = await appHarness(2);
    const mempool = new Mempool(harness.app, { maxTxs: 1000, maxBytes: 1 << 20, maxTxBytes: 1 << 16, cacheSize: 100 }, (txs) => harness.app.verifySignatures(txs));
    const net = new CapturingNetwork([]);
    new TxGossip(net, mempool, TEST_CHAIN_ID, silentLogger()).start();
    const topic = [...net.handlers.keys()][0] as string;
    gossip = { deliver: (data) => net.deliver(topic, data, 'hostile'), mempool };
  });

  afterAll(async () => {
    await harness.close();
  });

  it('a batch of garbage or forged transactions is rejected, not forwarded; a batch with a new valid one is forwarded', async () => {
    const valid = transfer(testKey(0), { nonce: 0, to: addressOf(testKey(1)), amount: 1n });
    const forged = Uint8Array.from(valid);
    forged[forged.length - 1]! ^= 1;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 300 }), mutationsOf(valid)), { minLength: 1, maxLength: 20 }), async (txs) => {
        // Never forwarded; scored when a transaction is provably forged (one over the chain's
        // size limit, say, is only dropped: that limit is a parameter governance may change).
        expect(await gossip.deliver(encodeTxBatch(txs))).not.toBe('accept');
        expect(await gossip.deliver(encodeTxBatch([...txs, Uint8Array.of(0xc0)]))).toBe('reject');
      }),
      { numRuns: 60 },
    );
    // A mutation may have rebuilt `valid` itself (an empty field replaced by an empty value): a fresh sender's.
    const fresh = transfer(testKey(1), { nonce: 0, to: addressOf(testKey(0)), amount: 1n });
    // Provably forged only once its signature is checked, which happens for a transaction that
    // could run (its sender's next nonce, funded). `forged` has nonce 0 of a sender the property
    // may have used already: dropped then, costing no verification, but never forwarded.
    const forgedFresh = Uint8Array.from(fresh);
    forgedFresh[forgedFresh.length - 1]! ^= 1;
    expect(await gossip.deliver(encodeTxBatch([forgedFresh]))).toBe('reject');
    expect(await gossip.deliver(encodeTxBatch([forged]))).not.toBe('accept');
    const pending = gossip.mempool.size;
    expect(await gossip.deliver(encodeTxBatch([fresh]))).toBe('accept');
    // Nothing new in it: dropped quietly, the peer is not to blame.
    expect(await gossip.deliver(encodeTxBatch([fresh]))).toBe('ignore');
    expect(gossip.mempool.size).toBe(pending + 1);
  });
});

describe('a real node process under a hostile peer on every topic and protocol', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let net: TestnetManifest;
  let node: TestnetNode;
  let addr: string;
  let pid: number;

  beforeAll(async () => {
    dir = await tempDir('peer-messages');
    net = await createTestnet({ dir: dir.path, validators: 1, fullNodes: 0, chainId: 'cmt-peer-messages', freePort, consensusParams: FAST });
    node = net.nodes[0] as TestnetNode;
    pid = await launchNode(node);
    addr = peerAddress(node);
    await waitForHeights([node], 3, 30_000);
  }, 40_000);

  afterAll(async () => {
    if (node) await stopNode(node, 'SIGKILL');
    await dir?.cleanup();
  });

  const rpc = (): RpcClient => new RpcClient(rpcUrlOf(node));
  const heightNow = async (): Promise<number> => Number((await rpc().call<{ sync_info: { latest_block_height: string } }>('status')).sync_info.latest_block_height);
  /** Milliseconds per block between two heights, by the block times the node itself stamped. */
  async function paceBetween(from: number, to: number): Promise<number> {
    const timeOf = async (h: number): Promise<number> => Date.parse((await rpc().call<{ block: { header: { time: string } } }>('block', { height: h })).block.header.time);
    return ((await timeOf(to)) - (await timeOf(from))) / (to - from);
  }
  async function metrics(): Promise<{ bans: number; dropped: (reason: string) => number }> {
    const text = await (await fetch(`${rpcUrlOf(node)}/metrics`)).text();
    return {
      bans: Number(/^cmt_p2p_bans (\d+)$/m.exec(text)?.[1] ?? 0),
      dropped: (reason) => Number(new RegExp(`^cmt_p2p_dropped_messages_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0),
    };
  }
  async function rssBytes(): Promise<number> {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) * 1024;
  }
  /** Banned: the node hung up on it and refuses it after the handshake. */
  async function waitForBan(peer: HostilePeer, what: string): Promise<void> {
    await waitFor(what, () => !peer.isConnected(), 10_000);
    await expect(peer.stream(protocolsFor(net.chainId).block)).rejects.toThrow();
  }

  it('keeps deciding at its pace, bounded in memory, banning the attacker and serving honest peers', async () => {
    const topics = topicsFor(net.chainId);
    const protocols = protocolsFor(net.chainId);
    const honest = await P2PHost.start({ nodeKey: await generateNodeKey(), persistentPeers: [addr], logger: silentLogger(), gossipHeartbeatMs: 100 });
    const hostiles: HostilePeer[] = [];
    const garbage = (n: number, seed: number): Uint8Array[] => fc.sample(fc.uint8Array({ minLength: 1, maxLength: 600 }), { numRuns: n, seed });
    try {
      await waitFor('the honest peer to connect', () => honest.peers().length > 0);
      const calm = await heightNow();
      await waitForHeights([node], calm + 6, 20_000);
      const before = await paceBetween(calm + 1, calm + 6);
      const rssBefore = await rssBytes();
      const bansBefore = (await metrics()).bans;
      const attackStart = await heightNow();

      // Connections that never start their handshake do not lock honest peers out.
      const silent = await Promise.all(
        Array.from({ length: 12 }, () => new Promise<Socket>((resolve, reject) => {
          const socket = connect(node.p2pPort, '127.0.0.1', () => resolve(socket));
          socket.on('error', reject);
        })),
      );
      const latecomer = await P2PHost.start({ nodeKey: await generateNodeKey(), persistentPeers: [addr], logger: silentLogger() });
      try {
        await waitFor('a new honest peer to get in past silent connections', () => latecomer.peers().length > 0, 3000);
      } finally {
        await latecomer.stop();
        for (const socket of silent) socket.destroy();
      }

      // Gossip: garbage on every topic, each topic from a fresh identity, until the node bans it.
      await Promise.all(
        Object.values(topics).map(async (topic, i) => {
          const peer = await HostilePeer.connect(addr, [topic]);
          hostiles.push(peer);
          await waitFor(`the node to join ${topic} with the hostile peer`, () => peer.topicPeers(topic) > 0);
          for (const data of garbage(20, i)) {
            if (!peer.isConnected()) break;
            await peer.publish(topic, data);
          }
          await waitForBan(peer, `a ban for garbage on ${topic}`);
        }),
      );

      // Gossipsub's own framing, below the topics: garbage RPCs, then a prefix claiming 4 GiB.
      const framer = await HostilePeer.connect(addr);
      hostiles.push(framer);
      const meshsub = await framer.stream('/meshsub/1.1.0').catch(() => null);
      try {
        for (const data of garbage(20, 50)) meshsub?.send(encodeFrame(data));
        meshsub?.send(encodeVarint(2 ** 32));
      } catch {
        // reset by the node
      }

      // Requests: garbage on every protocol is scored until the sender is banned.
      await Promise.all(
        Object.values(protocols).map(async (protocol, i) => {
          const peer = await HostilePeer.connect(addr);
          hostiles.push(peer);
          for (const data of garbage(6, 100 + i)) {
            const stream = await peer.stream(protocol).catch(() => null);
            if (!stream) break;
            stream.send(encodeFrame(Buffer.concat([Uint8Array.of(0xc5, 0xff), data])));
            await stream.close().catch(() => undefined);
            await drain(stream);
          }
          await waitForBan(peer, `a ban for garbage requests on ${protocol}`);
        }),
      );
      expect((await metrics()).bans - bansBefore).toBe(Object.keys(topics).length + Object.keys(protocols).length);

      // A request larger than any the node's protocols use is refused unread and scored.
      const big = await HostilePeer.connect(addr);
      hostiles.push(big);
      const bigStream = await big.stream(protocols.block);
      bigStream.send(encodeFrame(new Uint8Array(1024 * 1024)));
      await drain(bigStream);
      expect((await metrics()).dropped('request_oversize')).toBeGreaterThan(0);

      // Slow loris: many streams on every protocol, each announcing a frame and never finishing it,
      // from one identity over as many connections as it can get; and requests never read.
      const loris = await HostilePeer.connect(addr);
      hostiles.push(loris);
      for (let i = 0; i < 6; i++) await loris.extraConnection().catch(() => undefined);
      await waitFor('the node to close connections over its per-peer limit', () => loris.connections().length <= 2);
      const opened: Stream[] = [];
      for (const protocol of Object.values(protocols)) {
        for (let i = 0; i < 30; i++) {
          const stream = await loris.stream(protocol).catch(() => null);
          if (!stream) continue;
          opened.push(stream);
          try {
            stream.send(encodeVarint(4096));
            stream.send(new Uint8Array(10));
          } catch {
            // reset by the node: over this peer's share
          }
        }
      }
      const unread = await HostilePeer.connect(addr);
      hostiles.push(unread);
      for (let i = 0; i < 40; i++) {
        const stream = await unread.stream(protocols.block).catch(() => null);
        if (!stream) continue;
        try {
          stream.send(encodeFrame(encode(BlockRequest, { height: 1 + (i % 3) })));
          void stream.close().catch(() => undefined);
        } catch {
          // reset by the node
        }
      }
      expect((await metrics()).dropped('request_over_capacity')).toBeGreaterThan(0);

      // Absurd heights and rounds: answered at once, small, and not held against the asker.
      const asker = await HostilePeer.connect(addr);
      hostiles.push(asker);
      const absurd: [string, Uint8Array][] = [
        [protocols.block, encode(BlockRequest, { height: Number.MAX_SAFE_INTEGER })],
        [protocols.catchUp, encode(CatchUpRequest, { height: Number.MAX_SAFE_INTEGER, haveProposals: [], round: Number.MAX_SAFE_INTEGER, haveVotes: [] })],
        [protocols.maj23, encode(Maj23Claim, { ...claim, height: attackStart + 1, round: Number.MAX_SAFE_INTEGER })],
        [protocols.votesForBlock, encode(Maj23Claim, { ...claim, height: Number.MAX_SAFE_INTEGER, round: Number.MAX_SAFE_INTEGER })],
        [protocols.proposalBlock, encode(ProposalBlockRequest, { blockHash: new Uint8Array(32).fill(0xff) })],
      ];
      for (const [protocol, request] of absurd) {
        const stream = await asker.stream(protocol);
        stream.send(encodeFrame(request));
        await stream.close();
        const answer = await within(`an answer on ${protocol}`, drain(stream), 2000);
        expect(answer.length).toBeGreaterThan(0);
        expect(answer.length).toBeLessThan(256);
      }
      expect(asker.isConnected()).toBe(true);

      // Honest peers are served while all that is open, and never scored.
      const started = Date.now();
      const answer = decode(BlockAnswer, await honest.request(node.peerId, protocols.block, encode(BlockRequest, { height: 1 }), { timeoutMs: 3000 }));
      expect(answer.block.length).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(honest.peers().map((p) => p.peerId)).toContain(node.peerId);

      // The chain kept its pace through the whole attack (and with the slow streams still open
      // after it), memory stayed bounded, and the process is alive (an unhandled rejection ends it).
      const attackEnd = await heightNow();
      expect(attackEnd).toBeGreaterThan(attackStart + 1);
      const during = await paceBetween(attackStart, attackEnd);
      await waitForHeights([node], attackEnd + 5, 20_000);
      const after = await paceBetween(attackEnd, attackEnd + 5);
      expect(during).toBeLessThan(Math.max(2 * before, before + 200));
      expect(after).toBeLessThan(Math.max(2 * before, before + 200));
      expect((await rssBytes()) - rssBefore).toBeLessThan(128 * 1024 * 1024);
      expect(isAlive(pid)).toBe(true);
      for (const stream of opened) stream.abort(new Error('done'));
    } finally {
      await Promise.all(hostiles.map((p) => p.stop().catch(() => undefined)));
      await honest.stop();
    }
  }, 60_000);
});

describe('evidence', () => {
  const STORE_HEIGHT = 100_001;

  /** A node 100,001 blocks in whose validator set never changed: one checkpoint, at height 1. */
  function evidenceUnderTest(): { deliver: (data: Uint8Array) => Promise<Verdict> } {
    const chain = { ...chainState(), lastBlockHeight: STORE_HEIGHT };
    const store = {
      committedEvidenceHeight: async () => undefined,
      loadValidatorCheckpoint: async () => ({ height: 1, set: chain.validators.encode() }),
      loadBlock: async () => undefined,
    };
    const pool = new EvidencePool(store as unknown as BlockStore, silentLogger(), () => undefined);
    const net = new CapturingNetwork([]);
    new EvidenceGossip(net, pool, () => chain, CHAIN_ID, silentLogger()).start();
    const topic = [...net.handlers.keys()][0] as string;
    return { deliver: (data) => net.deliver(topic, data, 'hostile') };
  }

  it('any bytes get a verdict; undecodable or invalid evidence is rejected, and none costs more than a few milliseconds', async () => {
    const { deliver } = evidenceUnderTest();
    const old = duplicateVote(chainState(), 1);
    const oldBytes = encode(Evidence, { ...old, voteA: { ...old.voteA, height: STORE_HEIGHT - 1 }, voteB: { ...old.voteB, height: STORE_HEIGHT - 1 } });
    let slowest = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(randomBytes, mutationsOf(evidenceBytes), mutationsOf(oldBytes)), async (data) => {
        const started = performance.now();
        const verdict = await deliver(data);
        slowest = Math.max(slowest, performance.now() - started);
        expect(['reject', 'ignore']).toContain(verdict);
      }),
      { numRuns: RUNS },
    );
    // Evidence for a recent height used to replay every proposer-priority step since the checkpoint, 100,000 blocks back.
    const started = performance.now();
    expect(await deliver(oldBytes)).toBe('reject');
    expect(performance.now() - started).toBeLessThan(100);
    expect(slowest).toBeLessThan(100);
  });
});

describe('answers from a hostile peer', () => {
  const protocols = protocolsFor(CHAIN_ID);

  /** A node that has stalled and asks `hostile`, which answers every request with `answer(protocol)`. */
  async function askHostile(answer: (protocol: string) => Uint8Array, until: (net: CapturingNetwork) => boolean): Promise<{ net: CapturingNetwork; driver: RecordingDriver; stop: () => void }> {
    const net = new CapturingNetwork(['hostile']);
    const driver = new RecordingDriver(chainState());
    net.responders.set('hostile', async (protocol) => answer(protocol));
    const gossip = startGossip(net, driver, { stallMs: 0, tickMs: 5 });
    await waitFor('the hostile answer to be judged', () => until(net), 5000).finally(() => gossip.stop());
    return { net, driver, stop: () => gossip.stop() };
  }

  it('an undecodable catch-up, block or votes answer counts against the peer that sent it', async () => {
    for (const bytes of fc.sample(fc.oneof(randomBytes.filter((b) => b.length > 0), mutationsOf(samples.catchUpAnswer!.bytes)), { numRuns: 10, seed: 7 })) {
      let undecodable = false;
      try {
        decode(CatchUpAnswer, bytes);
      } catch {
        undecodable = true;
      }
      if (!undecodable) continue;
      const { net } = await askHostile(() => bytes, (n) => n.reports.length > 0);
      expect(net.reports[0]?.peerId).toBe('hostile');
    }
    // Block sync: the peer says it is ahead, then answers garbage.
    const { net } = await askHostile(
      (protocol) => (protocol === protocols.catchUp ? encode(CatchUpAnswer, { lastHeight: LAST_HEIGHT + 5, proposals: [], votes: [] }) : Uint8Array.of(0xc1, 0x80)),
      (n) => n.reports.length > 0,
    );
    expect(net.reports[0]?.peerId).toBe('hostile');
  });

  it('a catch-up answer repeating one valid vote costs one signature check, not one per copy', async () => {
    const vote = signedVote(chain, { height, round: 0, type: PREVOTE, member: 2 });
    const answer = encode(CatchUpAnswer, { lastHeight: LAST_HEIGHT, proposals: [], votes: Array.from({ length: 20_000 }, () => vote) });
    let answeredAt = 0;
    const { net, driver } = await askHostile(
      () => {
        answeredAt = performance.now();
        return answer;
      },
      (n) => n.reports.length > 0,
    );
    const judged = performance.now() - answeredAt;
    // Reading the answer is the attacker's bytes; checking 20,000 signatures would be ours (seconds).
    const decodeStarted = performance.now();
    decode(CatchUpAnswer, answer);
    const decoding = performance.now() - decodeStarted;
    expect(judged).toBeLessThan(3 * decoding + 200);
    expect(net.reports[0]?.reason).toMatch(/twice/);
    // One vote fed in per catch-up answer read (the stalled node may have asked more than once).
    expect(driver.events.filter((e) => e.type === 'vote').length).toBeLessThanOrEqual(net.requests.length);
  });
});

describe('answers this node builds', () => {
  it('a catch-up answer stays within its byte budget however many large proposals the height has; blocks that do not fit are left to be fetched', async () => {
    const net = new CapturingNetwork([]);
    const driver = new RecordingDriver(chainState());
    const core = driver.consensusState;
    core.votes = new HeightVoteSet(chain.validators);
    for (let round = 0; round < 40; round++) {
      const big = blockFor(chain, height, { txs: [new Uint8Array(1024 * 1024).fill(round)], evidence: [], lastCommit: lastCommitOf(chain) });
      const msg = proposalMessage(chain, big, round);
      core.proposals.set(round, msg.proposal);
      core.blocks.set(toHex(msg.proposal.blockHash), msg.block);
      core.votes.add(signedVote(chain, { height, round, type: PREVOTE, member: round % 4, blockHash: msg.proposal.blockHash }));
    }
    const gossip = new ConsensusGossip(net, driver as unknown as ConsensusDriver, {} as BlockStore, silentLogger(), { tickMs: 60_000 });
    gossip.start();
    gossip.stop();
    const raw = await net.serve(protocolsFor(CHAIN_ID).catchUp, encode(CatchUpRequest, { height, haveProposals: [], round: 39, haveVotes: [] }), 'peer');
    expect(raw.length).toBeLessThanOrEqual(MAX_CATCH_UP_ANSWER_BYTES);
    const answer = decode(CatchUpAnswer, raw);
    expect(answer.proposals.length).toBe(40);
    expect(answer.proposals[0]?.block.length).toBeGreaterThan(0);
    expect(answer.proposals.some((p) => p.block.length === 0)).toBe(true);
    // Votes only of the rounds that matter (catch-up-votes.ts): the asker's round (39) and the answerer's (0).
    expect(answer.votes.map((v) => v.round)).toEqual([0, 39]);
  });
});

describe('request/response limits between two hosts', () => {
  const pool = new HostPool();
  afterAll(() => pool.stopAll());

  it('a handler that never answers costs its requester a prompt error, not the server a stream forever', async () => {
    const server = await pool.start({ requestTimeoutMs: 300 });
    const client = await pool.start({ persistentPeers: [server.listenAddrs[0] as string] });
    await waitFor('the hosts to connect', () => client.peers().length > 0 && server.peers().length > 0);
    await server.handle('/cmt/test/hang/1', () => new Promise<Uint8Array>(() => undefined));
    const started = Date.now();
    const err = await client.request(server.peerId, '/cmt/test/hang/1', Uint8Array.of(1), { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'P2P_REMOTE_ERROR' });
    expect(Date.now() - started).toBeLessThan(2000);
    await waitFor('the server to let go of the exchange', () => server.stats().serving.peers === 0, 2000);
  });

  it('answers a peer asks for and never reads are not kept by the node', async () => {
    const server = await pool.start({ maxMessageBytes: 1024 * 1024, requestTimeoutMs: 5000 });
    await server.handle('/cmt/test/blob/1', async () => new Uint8Array(1024 * 1024 - 64));
    const reader = await HostilePeer.connect(server.listenAddrs[0] as string);
    try {
      const streams: Stream[] = [];
      for (let i = 0; i < 8; i++) {
        const stream = await reader.stream('/cmt/test/blob/1');
        stream.send(encodeFrame(Uint8Array.of(i)));
        void stream.close().catch(() => undefined);
        streams.push(stream);
      }
      // 8 MiB asked for: flow control leaves them in the asker's buffers, and the server's
      // budget (2 MiB for this peer) holds what has not left yet.
      let most = 0;
      await waitFor('the server to hold nothing for the reader', () => {
        most = Math.max(most, server.stats().serving.answerBytes);
        return server.stats().serving.peers === 0;
      }, 8000);
      expect(most).toBeLessThanOrEqual(2 * 1024 * 1024 + 1024);
      expect(server.stats().serving.answerBytes).toBe(0);
      for (const stream of streams) stream.abort(new Error('done'));
    } finally {
      await reader.stop();
    }
  });

  it('the serve budget never lends more than its limits and forgets a peer once it has nothing in flight', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.boolean(), fc.integer({ min: 0, max: 5000 })), { maxLength: 200 }), (ops) => {
        const budget = new ServeBudget({ requestsPerPeer: 3, answerBytesPerPeer: 8000, answerBytesTotal: 12_000 });
        const held: [string, number][] = [];
        const open: string[] = [];
        for (const [peer, isRequest, size] of ops) {
          if (isRequest) {
            if (budget.openRequest(peer)) open.push(peer);
          } else if (budget.reserveAnswer(peer, size)) held.push([peer, size]);
          expect(budget.answerBytes).toBeLessThanOrEqual(12_000);
          for (const p of ['a', 'b', 'c']) expect(budget.requestsOf(p)).toBeLessThanOrEqual(3);
        }
        for (const [peer, size] of held) budget.releaseAnswer(peer, size);
        for (const peer of open) budget.closeRequest(peer);
        expect(budget.peers).toBe(0);
        expect(budget.answerBytes).toBe(0);
      }),
    );
  });
});

describe('a flood of +2/3 claims', () => {
  it('reaches consensus (and its WAL) once per peer, round and type, and asks the claimant for votes at most once a second', async () => {
    const net = new CapturingNetwork(['hostile']);
    const driver = new RecordingDriver(chainState());
    driver.consensusState.votes = new HeightVoteSet(chain.validators);
    const vote = signedVote(chain, { height, round: 0, type: PREVOTE, member: 0, blockHash: claim.blockHash });
    net.responders.set('hostile', async () => encode(VotesForBlockAnswer, [vote]));
    const maj23 = new Maj23Gossip(net, driver as unknown as ConsensusDriver, silentLogger(), { intervalMs: 60_000, requestTimeoutMs: 1000 });
    maj23.start();
    maj23.stop();
    const protocol = protocolsFor(CHAIN_ID).maj23;
    for (let i = 0; i < 500; i++) {
      // The same claim, and claims for other blocks in the same round and type: only the first counts in the core.
      const blockHash = i % 2 === 0 ? claim.blockHash : new Uint8Array(32).fill(i % 251);
      await net.serve(protocol, encode(Maj23Claim, { ...claim, blockHash }), 'hostile');
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(driver.events.filter((e) => e.type === 'maj23Claim').length).toBe(1);
    expect(net.requests.filter((r) => r.protocol === protocolsFor(CHAIN_ID).votesForBlock).length).toBeLessThanOrEqual(1);
  });
});

describe('answers this node asks for', () => {
  it('block sync asks for answers no larger than a block the chain allows now, plus its commit', async () => {
    const net = new CapturingNetwork(['hostile']);
    const driver = new RecordingDriver(chainState());
    const protocols = protocolsFor(CHAIN_ID);
    // Claims to be far ahead, then answers nothing useful.
    net.responders.set('hostile', async (protocol) =>
      protocol === protocols.catchUp ? encode(CatchUpAnswer, { lastHeight: LAST_HEIGHT + 100, proposals: [], votes: [] }) : encode(BlockAnswer, { lastHeight: 0, block: new Uint8Array(0), commit: EMPTY_COMMIT }),
    );
    const gossip = startGossip(net, driver, { stallMs: 0, tickMs: 5 });
    await waitFor('block requests', () => net.requestOptions.filter((o) => o.protocol === protocols.block).length >= 16).finally(() => gossip.stop());
    const limit = chain.consensusParams.blockMaxBytes + 128 * 1024;
    for (const o of net.requestOptions) expect(o.maxResponseBytes ?? Infinity).toBeLessThanOrEqual(o.protocol === protocols.block ? limit : MAX_CATCH_UP_ANSWER_BYTES + 64 * 1024);
  });

  it('a block answer over the limit of the chain counts against the peer that sent it', async () => {
    const net = new CapturingNetwork(['hostile']);
    const driver = new RecordingDriver(chainState());
    const protocols = protocolsFor(CHAIN_ID);
    net.responders.set('hostile', async (protocol) => {
      if (protocol === protocols.catchUp) return encode(CatchUpAnswer, { lastHeight: LAST_HEIGHT + 100, proposals: [], votes: [] });
      throw new P2PError('P2P_MESSAGE_TOO_LARGE', 'frame larger than the limit');
    });
    const gossip = startGossip(net, driver, { stallMs: 0, tickMs: 5 });
    await waitFor('a report', () => net.reports.length > 0).finally(() => gossip.stop());
    expect(net.reports[0]).toMatchObject({ peerId: 'hostile', reason: expect.stringMatching(/larger than the chain allows/) });
  });

  it('an answer over the size the requester asked for is refused as it arrives', async () => {
    const pool = new HostPool();
    try {
      const server = await pool.start();
      const client = await pool.start({ persistentPeers: [server.listenAddrs[0] as string] });
      await waitFor('the hosts to connect', () => client.peers().length > 0 && server.peers().length > 0);
      await server.handle('/cmt/test/big/1', async () => new Uint8Array(256 * 1024));
      await expect(client.request(server.peerId, '/cmt/test/big/1', Uint8Array.of(1), { maxResponseBytes: 64 * 1024 })).rejects.toMatchObject({ code: 'P2P_MESSAGE_TOO_LARGE' });
      // Within the host's own limit the peer is not to blame: the caller knows what it expected.
      expect(client.score(server.peerId)).toBe(0);
      expect((await client.request(server.peerId, '/cmt/test/big/1', Uint8Array.of(1))).length).toBe(256 * 1024);
    } finally {
      await pool.stopAll();
    }
  });
});

describe('validator sets of past heights', () => {
  it('are checkpointed often enough that any height costs at most a thousand priority steps, and come out the same', async () => {
    // A chain whose set never changes: the executor persists each height's state as it goes.
    const saved = new Map<number, Uint8Array>();
    const store = {
      saveValidatorCheckpoint: async (h: number, set: Uint8Array) => void saved.set(h, set),
      saveChainState: async () => undefined,
      loadValidatorCheckpoint: async (h: number) => {
        const at = Math.max(...[...saved.keys()].filter((k) => k <= h));
        return Number.isFinite(at) ? { height: at, set: saved.get(at) as Uint8Array } : undefined;
      },
    };
    const executor = new BlockExecutor({} as never, store as unknown as BlockStore, {} as never);
    let state: ChainState = { ...chainState(), lastBlockHeight: 0, lastHeightValidatorsChanged: 1, lastValidators: null };
    state = { ...state, nextValidators: state.validators.copyIncrementProposerPriority(1) };
    saved.set(1, state.validators.encode());
    const truth = new Map<number, string>([[1, toHex(state.validators.encode())]]);
    for (let h = 1; h <= 2500; h++) {
      const next: ChainState = { ...state, lastBlockHeight: h, validators: state.nextValidators, nextValidators: state.nextValidators.copyIncrementProposerPriority(1), lastValidators: state.validators };
      await executor.saveState(state, next);
      truth.set(h + 1, toHex(next.validators.encode()));
      state = next;
    }
    const latest = { ...state };
    for (const h of [2, 999, 1000, 1001, 1999, 2000, 2001, 2400]) {
      const checkpoint = await store.loadValidatorCheckpoint(h);
      expect(h - (checkpoint?.height ?? 0)).toBeLessThan(1000);
      expect(toHex((await validatorsAt(store as unknown as BlockStore, latest, h))!.encode())).toBe(truth.get(h));
    }
  });
});
