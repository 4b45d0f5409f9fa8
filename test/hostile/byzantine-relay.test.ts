/**
 * A Byzantine relay on every path a proposal takes: four validator processes over real libp2p
 * on loopback, and a relay peer connected to all of them that rewrites the body of every
 * proposal it sees (a transaction added, the signed header left alone) and forwards nothing
 * honest. Injected link delays make the relay the fastest path between any two validators, so
 * each validator gets the rewritten body before the honest one. Before bodies were checked
 * against the signed header, the rewritten body reached the core first, every non-proposer
 * marked the honest block invalid and prevoted nil, and the chain stopped. Now the bad body
 * is rejected, it costs the relay (every validator bans it), and the honest one decides the
 * block in round 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBlock, encodeBlock } from '../../src/codec/block.js';
import { decodeProposalMessage, encodeProposalMessage } from '../../src/codec/gossip.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { freePort, launchNode, probeNode, rpcUrlOf, stopNode, waitForHeights } from '../../src/cli/testnet-processes.js';
import { silentLogger } from '../../src/node/logger.js';
import { topicsFor } from '../../src/node/network.js';
import { createTestnet, peerAddress, type TestnetManifest, type TestnetNode } from '../../src/node/testnet-homes.js';
import { P2PHost } from '../../src/p2p/host.js';
import { generateNodeKey } from '../../src/p2p/node-key.js';
import { RpcClient } from '../../src/rpc/client.js';
import { waitFor } from '../p2p/helpers.js';
import { tempDir } from '../support/temp-dir.js';

// Long round timeouts: a round lost here must be the rewritten body's doing (a validator that
// took it for the proposal prevotes nil at once, whatever the timeouts), not a loaded machine
// that took over a second to pass a proposal through the 250 ms links.
const FAST = { ...DEFAULT_CONSENSUS_PARAMS, timeouts: { ...DEFAULT_CONSENSUS_PARAMS.timeouts, nextBlockDelay: 200, propose: 5_000, prevote: 2_000, precommit: 2_000 } };
/** Every message between two honest validators waits this long; the relay's do not. */
const HONEST_LINK_DELAY_MS = 250;
const HEIGHTS = 6;

async function bansOf(node: TestnetNode): Promise<number> {
  const text = await (await fetch(`${rpcUrlOf(node)}/metrics`)).text();
  return Number(/^cmt_p2p_bans (\d+)$/m.exec(text)?.[1] ?? 0);
}

async function commitRound(node: TestnetNode, height: number): Promise<number> {
  const answer = await new RpcClient(rpcUrlOf(node)).call<{ signed_header: { commit: { round: number } } }>('commit', { height });
  return answer.signed_header.commit.round;
}

describe('a Byzantine relay that rewrites every proposal it forwards', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let net: TestnetManifest;
  const adminPorts: number[] = [];

  beforeAll(async () => {
    dir = await tempDir('byzantine-relay');
    net = await createTestnet({ dir: dir.path, validators: 4, fullNodes: 0, chainId: 'cmt-relay-test', freePort, consensusParams: FAST, stakingParams: { signedBlocksWindow: 1_000_000 } });
    for (let i = 0; i < net.nodes.length; i++) adminPorts.push(await freePort());
    await Promise.all(net.nodes.map((n, i) => launchNode(n, { extraArgs: ['--chaos-admin-port', String(adminPorts[i])] })));
    // Past start-up, where a round can be lost to a validator that is not up yet.
    await waitForHeights(net.nodes, 2, 60_000);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(net.nodes.map((n) => stopNode(n, 'SIGKILL')));
    await dir.cleanup();
  });

  it('costs the relay, never the block: the chain decides every height in round 0', async () => {
    const topics = topicsFor(net.chainId);
    const relay = await P2PHost.start({ nodeKey: await generateNodeKey(), persistentPeers: net.nodes.map(peerAddress), logger: silentLogger(), gossipHeartbeatMs: 200 });
    let rewritten = 0;
    try {
      // Votes pass through at once, so the relay is on the fastest path for everything.
      relay.subscribe(topics.vote, () => 'accept');
      relay.subscribe(topics.proposal, (data) => {
        const msg = decodeProposalMessage(data);
        if (msg.block.length === 0) return 'ignore';
        const block = decodeBlock(msg.block);
        const junk = new TextEncoder().encode(`not in the signed block ${rewritten}`);
        const forged = encodeProposalMessage({ proposal: msg.proposal, block: encodeBlock({ ...block, txs: [...block.txs, junk] }) });
        rewritten++;
        relay.publish(topics.proposal, forged).catch(() => undefined);
        // The honest bytes stop here.
        return 'ignore';
      });
      await waitFor('the relay to join the proposal topic of every validator', () => relay.topicPeers(topics.proposal).length === net.nodes.length, 30_000);
      for (const [i, node] of net.nodes.entries()) {
        const rules = net.nodes.filter((other) => other !== node).map((other) => ({ peer: other.peerId, drop: 0, minDelayMs: HONEST_LINK_DELAY_MS, maxDelayMs: HONEST_LINK_DELAY_MS }));
        const res = await fetch(`http://127.0.0.1:${adminPorts[i]}/link-faults`, { method: 'PUT', body: JSON.stringify({ rules }) });
        expect(res.status).toBe(200);
      }
      const start = Math.max(...(await Promise.all(net.nodes.map(async (n) => (await probeNode(n)).height ?? 0))));
      await waitForHeights(net.nodes, start + HEIGHTS + 1, 60_000);
      expect(rewritten).toBeGreaterThanOrEqual(3);
      // Round 0 is the normal pace: not one round was lost to a rewritten body.
      const rounds = await Promise.all(Array.from({ length: HEIGHTS }, (_, i) => commitRound(net.nodes[0] as TestnetNode, start + 1 + i)));
      expect(rounds).toEqual(rounds.map(() => 0));
      // Each rewritten body counted against the relay until every validator banned it.
      expect((await Promise.all(net.nodes.map(bansOf))).every((bans) => bans >= 1)).toBe(true);
    } finally {
      await relay.stop();
    }
  }, 120_000);
});
