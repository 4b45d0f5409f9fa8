/**
 * Four validator processes over real libp2p on loopback: agreement, a crash and a restart,
 * and safety over liveness when too many validators are down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { createTestnet, DEFAULT_TESTNET_STAKE, type TestnetManifest, type TestnetNode } from '../../src/node/testnet-homes.js';
import { freePort, launchNode, probeNode, rpcUrlOf, stopNode, waitForHeights } from '../../src/cli/testnet-processes.js';
import { RpcClient } from '../../src/rpc/client.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prng } from '../support/state-fixtures.js';
import { encodeVote, PREVOTE, voteSignBytes } from '../../src/codec/vote.js';
import { readValidatorKey } from '../../src/node/priv-validator.js';
import { homePaths } from '../../src/node/home.js';
import { sign } from '../../src/crypto/ed25519.js';
import { P2PHost } from '../../src/p2p/host.js';
import { generateNodeKey } from '../../src/p2p/node-key.js';
import { silentLogger } from '../../src/node/logger.js';
import { peerAddress } from '../../src/node/testnet-homes.js';
import { protocolsFor, topicsFor } from '../../src/node/network.js';
import { tempDir } from '../support/temp-dir.js';
import { readConfigFile, writeConfigFile } from '../../src/node/config.js';
import { KeyDirectory } from '../../src/crypto/key-directory.js';
import { decryptKey } from '../../src/crypto/keystore.js';
import { signTx } from '../../src/crypto/sign-tx.js';
import { addressFromPublicKey, formatAddress } from '../../src/crypto/address.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { toHex } from '../../src/codec/bytes.js';
import { cmt } from '../support/cli.js';
import { accountForm } from '../../src/cli/validator-address.js';

const FAST = { ...DEFAULT_CONSENSUS_PARAMS, timeouts: { ...DEFAULT_CONSENSUS_PARAMS.timeouts, nextBlockDelay: 200 } };

interface BlockView {
  block_id: { hash: string };
  block: { header: { app_hash: string; height: string } };
}

async function blockAt(node: TestnetNode, height: number): Promise<BlockView> {
  return new RpcClient(rpcUrlOf(node)).call<BlockView>('block', { height });
}

async function heightOf(node: TestnetNode): Promise<number> {
  return (await probeNode(node)).height ?? -1;
}

describe('a 4-validator testnet of real processes', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let net: TestnetManifest;

  beforeAll(async () => {
    dir = await tempDir('testnet');
    // These tests stop validators on purpose: a window no run reaches keeps downtime jailing out of them.
    net = await createTestnet({ dir: dir.path, validators: 4, fullNodes: 0, chainId: 'cmt-net-test', freePort, consensusParams: FAST, stakingParams: { signedBlocksWindow: 1_000_000 } });
    // Blocks above 2 KiB leave the proposal message and are fetched by request: exercise that path.
    for (const n of net.nodes) {
      const file = homePaths(n.home).config;
      const config = await readConfigFile(file);
      await writeConfigFile(file, { ...config, p2p: { ...config.p2p, maxInlineBlockBytes: 2048 } });
    }
    await Promise.all(net.nodes.map((n) => launchNode(n)));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(net.nodes.map((n) => stopNode(n, 'SIGKILL')));
    await dir.cleanup();
  });

  it('commits 10 heights with the same block and app hashes on every node', async () => {
    await waitForHeights(net.nodes, 10, 60_000);
    for (let h = 1; h <= 10; h++) {
      const views = await Promise.all(net.nodes.map((n) => blockAt(n, h)));
      expect(new Set(views.map((v) => v.block_id.hash)).size).toBe(1);
      expect(new Set(views.map((v) => v.block.header.app_hash)).size).toBe(1);
    }
    const probes = await Promise.all(net.nodes.map(probeNode));
    expect(probes.every((p) => (p.peers ?? 0) >= 3)).toBe(true);
    const cs = await new RpcClient(rpcUrlOf(net.nodes[0] as TestnetNode)).call<{
      round_state: { height: string; proposer: { index: number }; height_vote_set: { round: number; prevotes: string[]; prevotes_bit_array: string }[] };
    }>('consensus_state');
    expect(Number(cs.round_state.height)).toBeGreaterThan(10);
    expect(cs.round_state.proposer.index).toBeGreaterThanOrEqual(0);
    for (const r of cs.round_state.height_vote_set) {
      expect(r.prevotes).toHaveLength(4);
      expect(r.prevotes_bit_array).toMatch(/^BA\{4:[x_]{4}\} \d+\/40000 = \d\.\d\d$/);
    }
  }, 90_000);

  it('commits transfers sent to one node in blocks too large to gossip with their proposals', async () => {
    const key = await decryptKey(await new KeyDirectory(homePaths((net.nodes[0] as TestnetNode).home).keys).get('account0'), '');
    const to = addressFromPublicKey(generateKeyPair().publicKey);
    const txs = Array.from({ length: 40 }, (_, nonce) => signTx({ chainId: net.chainId, nonce, gasLimit: 50_000, gasPrice: 1_000_000_000n, memo: 'x'.repeat(64), msg: { type: 'transfer', to, amount: 1n } }, key));
    const client = new RpcClient(rpcUrlOf(net.nodes[1] as TestnetNode));
    const answers = await client.batch(txs.map((t) => ({ method: 'broadcast_tx_sync', params: { tx: '0x' + Buffer.from(t.bytes).toString('hex') } })));
    expect(answers.every((a) => a.ok && (a.result as { code: number }).code === 0)).toBe(true);
    const last = toHex(txs[txs.length - 1]!.hash).toUpperCase();
    const observer = new RpcClient(rpcUrlOf(net.nodes[3] as TestnetNode));
    const deadline = Date.now() + 60_000;
    let found: { height: string } | undefined;
    while (!found) {
      found = await observer.call<{ height: string }>('tx', { hash: last }).catch(() => undefined);
      if (!found && Date.now() > deadline) throw new Error('the transfers were not committed');
      if (!found) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const sizes = await Promise.all(
      Array.from({ length: Number(found.height) }, (_, i) => blockAt(net.nodes[3] as TestnetNode, i + 1).then((b) => (b as unknown as { block: { data: { txs: string[] } } }).block.data.txs.reduce((n, t) => n + (t.length * 3) / 4, 0))),
    );
    expect(Math.max(...sizes)).toBeGreaterThan(2048);
    const account = await observer.call<{ balance: string }>('account', { address: formatAddress(to) });
    expect(account.balance).toBe('40');
  }, 90_000);

  it('keeps committing with one validator killed, and the restarted one catches up', async () => {
    const [victim, ...rest] = net.nodes as [TestnetNode, ...TestnetNode[]];
    await stopNode(victim, 'SIGKILL');
    const before = Math.max(...(await Promise.all(rest.map(heightOf))));
    await waitForHeights(rest, before + 3, 60_000);
    await launchNode(victim);
    const target = Math.max(...(await Promise.all(rest.map(heightOf)))) + 2;
    await waitForHeights(net.nodes, target, 60_000);
    const views = await Promise.all(net.nodes.map((n) => blockAt(n, target)));
    expect(new Set(views.map((v) => v.block_id.hash)).size).toBe(1);
  }, 120_000);

  it('stops committing with 2 of 4 validators down, and resumes when one returns', async () => {
    const [a, b, ...rest] = net.nodes as [TestnetNode, TestnetNode, ...TestnetNode[]];
    await Promise.all([stopNode(a, 'SIGKILL'), stopNode(b, 'SIGKILL')]);
    const stalled = Math.max(...(await Promise.all(rest.map(heightOf))));
    // Safety over liveness: with half the power gone, no height after `stalled + 1` can be decided
    // (one block may have been in flight when the processes died).
    await expect(waitForHeights(rest, stalled + 2, 5_000)).rejects.toThrow(/not every node reached/);
    await launchNode(a);
    await waitForHeights([a, ...rest], stalled + 3, 60_000);
    await launchNode(b);
  }, 120_000);

  it('a validator killed at random moments resumes from its WAL and never signs two different votes', async () => {
    const victim = net.nodes[1] as TestnetNode;
    const rand = prng(20261125);
    for (let i = 0; i < 6; i++) {
      const h = await heightOf(net.nodes[0] as TestnetNode);
      await waitForHeights([victim], h, 60_000);
      // A seeded moment inside the next block interval (next-block delay 200 ms + a round).
      await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 600)));
      await stopNode(victim, 'SIGKILL');
      await launchNode(victim);
    }
    const target = (await heightOf(net.nodes[0] as TestnetNode)) + 3;
    await waitForHeights(net.nodes, target, 60_000);
    const views = await Promise.all(net.nodes.map((n) => blockAt(n, target)));
    expect(new Set(views.map((v) => v.block_id.hash)).size).toBe(1);
    const logs = await Promise.all(net.nodes.map((n) => readFile(join(n.home, 'node.log'), 'utf8')));
    // Every honest node reports two different votes from one validator; none may appear.
    expect(logs.filter((l) => l.includes('validator signed two different votes'))).toEqual([]);
    expect(logs[1]).toContain('replaying the consensus WAL');
  }, 180_000);

  it('drops garbage and wrongly signed messages from a peer, bans it, and keeps committing', async () => {
    const target = net.nodes[0] as TestnetNode;
    const attacker = await P2PHost.start({ nodeKey: await generateNodeKey(), persistentPeers: [peerAddress(target)], logger: silentLogger() });
    try {
      const topics = topicsFor(net.chainId);
      attacker.subscribe(topics.vote, () => 'ignore');
      attacker.subscribe(topics.proposal, () => 'ignore');
      const deadline = Date.now() + 20_000;
      while (attacker.topicPeers(topics.vote).length === 0) {
        if (Date.now() > deadline) throw new Error('the attacker never joined the vote topic');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const start = await heightOf(target);
      const forged = encodeVote({
        type: PREVOTE,
        height: start + 1,
        round: 0,
        blockHash: new Uint8Array(32).fill(7),
        validatorAddress: new Uint8Array(Buffer.from(target.validatorAddress.slice(2), 'hex')),
        validatorIndex: 0,
        signature: new Uint8Array(64).fill(1),
      });
      // Undecodable bytes are rejected whatever height the chain is at; the forged vote is
      // rejected at the current height (and ignored if the chain moved on meanwhile).
      await attacker.publish(topics.vote, Uint8Array.of(0xc3, 1, 2, 3));
      await attacker.publish(topics.vote, Uint8Array.of(0xc3, 4, 5, 6));
      await attacker.publish(topics.proposal, new Uint8Array(1000).fill(0xff));
      await attacker.publish(topics.vote, forged);
      await attacker.request(target.peerId, protocolsFor(net.chainId).catchUp, Uint8Array.of(0xff, 0xff)).catch(() => undefined);
      await waitForHeights(net.nodes, start + 3, 60_000);
      // The target banned the attacker (its redials may still show it connected for a moment).
      const bans = async () => Number(/^cmt_p2p_bans (\d+)$/m.exec(await (await fetch(`${rpcUrlOf(target)}/metrics`)).text())?.[1]);
      const until = Date.now() + 20_000;
      while ((await bans()) < 1) {
        if (Date.now() > until) throw new Error('the attacker was never banned');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await attacker.stop();
    }
  }, 120_000);

  it('turns two conflicting votes signed by one validator into evidence that a block carries', async () => {
    const culprit = net.nodes[3] as TestnetNode;
    const owner = net.accounts[3]?.address as string;
    // A delegator of the culprit, to see it slashed in proportion.
    const delegated = await cmt(['tx', 'stake', 'delegate', '--home', (net.nodes[0] as TestnetNode).home, '--node', rpcUrlOf(net.nodes[0] as TestnetNode), '--from', 'account0', '--candidate', owner, '--amount', '1000cmt']);
    expect(delegated.code).toBe(0);
    const key = await readValidatorKey(homePaths(culprit.home).privValidatorKey);
    const attacker = await P2PHost.start({ nodeKey: await generateNodeKey(), persistentPeers: net.nodes.slice(0, 3).map(peerAddress), logger: silentLogger() });
    try {
      const topic = topicsFor(net.chainId).vote;
      attacker.subscribe(topic, () => 'ignore');
      const deadline = Date.now() + 20_000;
      while (attacker.topicPeers(topic).length === 0) {
        if (Date.now() > deadline) throw new Error('the attacker never joined the vote topic');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const index = Number((await new RpcClient(rpcUrlOf(culprit)).call<{ validators: { address: string }[] }>('validators')).validators.findIndex((v) => accountForm(v.address) === culprit.validatorAddress.toLowerCase()));
      expect(index).toBeGreaterThanOrEqual(0);
      let found: { height: number; evidence: { type: string; value: { validator_address: string } }[] } | undefined;
      // Every block from the first attempt's height on is searched each time: evidence a busy
      // node includes a few blocks late is found by the next attempt, not lost between windows.
      let searched = (await heightOf(net.nodes[0] as TestnetNode)) + 1;
      for (let attempt = 0; attempt < 5 && !found; attempt++) {
        const next = (await heightOf(net.nodes[0] as TestnetNode)) + 1;
        // Conflicting prevotes for `next`, fresh pairs (gossip drops a message it has seen) until
        // the chain is past it: a pair that arrives once the nodes have left the height is lost.
        for (let fill = 1; fill < 200 && (await heightOf(net.nodes[0] as TestnetNode)) <= next; fill += 2) {
          for (const f of [fill, fill + 1]) {
            const unsigned = { type: PREVOTE as typeof PREVOTE, height: next, round: 3, blockHash: new Uint8Array(32).fill(f) };
            const vote = { ...unsigned, validatorAddress: new Uint8Array(Buffer.from(culprit.validatorAddress.slice(2), 'hex')), validatorIndex: index, signature: sign(key.privateKey, voteSignBytes(net.chainId, unsigned)) };
            await attacker.publish(topic, encodeVote(vote));
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await waitForHeights(net.nodes, next + 3, 60_000);
        const top = await heightOf(net.nodes[0] as TestnetNode);
        for (let h = searched; h <= top && !found; h++) {
          const b = await new RpcClient(rpcUrlOf(net.nodes[0] as TestnetNode)).call<{ block: { evidence: { evidence: { type: string; value: { validator_address: string } }[] } } }>('block', { height: h });
          if (b.block.evidence.evidence.length > 0) found = { height: h, evidence: b.block.evidence.evidence };
          searched = h + 1;
        }
      }
      expect(found).toBeDefined();
      expect(found!.evidence[0]!.type).toBe('tendermint/DuplicateVoteEvidence');
      expect(found!.evidence[0]!.value.validator_address).toBe(culprit.validatorAddress.slice(2).toUpperCase());
      // Every node applied the block carrying it: agreement holds past it.
      const views = await Promise.all(net.nodes.map((n) => blockAt(n, found!.height)));
      expect(new Set(views.map((v) => v.block_id.hash)).size).toBe(1);
      // Staking punished it in that block: 5% of its stake burned, jailed for good, out of the set.
      const candidate = await new RpcClient(rpcUrlOf(net.nodes[0] as TestnetNode)).call<{ total_stake: string; tombstoned: boolean; status: string }>('candidate', { address: owner });
      expect(candidate).toMatchObject({ tombstoned: true, status: 'tombstoned' });
      expect(BigInt(candidate.total_stake)).toBe(((DEFAULT_TESTNET_STAKE + 1000n * ONE_CMT) * 95n) / 100n);
      const delegations = await new RpcClient(rpcUrlOf(net.nodes[0] as TestnetNode)).call<{ delegations: { candidate: string; stake: string }[] }>('delegations', { address: net.accounts[0]?.address });
      expect(delegations.delegations.find((d) => d.candidate === owner)?.stake).toBe((950n * ONE_CMT).toString());
      await waitForHeights(net.nodes.slice(0, 3), found!.height + 3, 30_000);
      const set = await new RpcClient(rpcUrlOf(net.nodes[0] as TestnetNode)).call<{ validators: { address: string }[] }>('validators', { height: found!.height + 2 });
      expect(set.validators.map((v) => accountForm(v.address))).not.toContain(culprit.validatorAddress.toLowerCase());
    } finally {
      await attacker.stop();
    }
  }, 180_000);

  it('a full node joins with cmt init --genesis --peers, syncs the chain and follows it', async () => {
    const source = net.nodes[0] as TestnetNode;
    const home = join(dir.path, 'joiner');
    const rpcPort = await freePort();
    const init = await cmt(['init', '--home', home, '--genesis', homePaths(source.home).genesis, '--peers', peerAddress(source), '--rpc-port', String(rpcPort), '--p2p-port', String(await freePort())], {});
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('not in genesis: a full node');
    const shown = await cmt(['show-node-id', '--home', home], {});
    const joiner: TestnetNode = { name: 'joiner', home, role: 'full', rpcPort, p2pPort: 0, peerId: shown.stdout.split('\n')[0] as string, validatorAddress: '' };
    const bad = await cmt(['init', '--home', join(dir.path, 'bad'), '--genesis', homePaths(source.home).genesis, '--peers', 'not-a-multiaddr'], {});
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/persistent_peers/);
    await launchNode(joiner);
    try {
      const target = (await heightOf(source)) + 2;
      await waitForHeights([joiner, source], target, 90_000);
      expect((await blockAt(joiner, target)).block_id.hash).toBe((await blockAt(source, target)).block_id.hash);
    } finally {
      await stopNode(joiner, 'SIGKILL');
    }
  }, 150_000);
});

