/**
 * The chaos runner (`cmt testnet chaos`, spec/faults.md): a scenario applied to a testnet of
 * real node processes in real time. Crashes are `kill -9` and a restart, pauses `SIGSTOP` and
 * `SIGCONT`; partitions and link behaviour go to every node's chaos admin endpoint as
 * per-peer link faults. A Byzantine validator runs its strategy in its own process
 * (`cmt start --byzantine`), drawn from the seed as the simulator draws it. The runner listens
 * to the gossip throughout (gossip-listener.ts): the votes it hears give the double signs and
 * the evidence. Afterwards every node's blocks are read through the RPC, and the simulator's
 * checkers judge the run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ONE_CMT } from '../codec/amount.js';
import { CmtError } from '../codec/errors.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../codec/params.js';
import type { LinkRule } from '../p2p/link-faults.js';
import { NodeUnreachableError, RpcClient } from '../rpc/client.js';
import { readGenesisFile } from '../node/genesis.js';
import { homePaths } from '../node/home.js';
import { silentLogger } from '../node/logger.js';
import type { ByzantineStrategyName } from '../node/byzantine.js';
import { addressFromPublicKey, formatAddress } from '../crypto/address.js';
import { strategiesOf } from '../sim/strategies.js';
import { startGossipListener, type GossipListener } from './gossip-listener.js';
import type { WatchStats } from '../sim/vote-watch.js';
import { checkRun, type RunCheck } from '../sim/checkers.js';
import { describeFault, downForGood, endOf, gstOf } from '../sim/fault-timeline.js';
import { forkEvidence } from '../sim/fork-evidence.js';
import { SimNetwork } from '../sim/network.js';
import type { DelaySpec, FaultEvent, Scenario } from '../sim/scenario-types.js';
import type { SimDecision, SimRun } from '../sim/run-types.js';
import { createTestnet, peerAddress, type TestnetManifest, type TestnetNode } from '../node/testnet-homes.js';
import { freePort, launchNode, readPid, rpcUrlOf, stopNode, waitForHeights } from './testnet-processes.js';
import { fromHex, toHex } from '../codec/bytes.js';
import { decode } from '../codec/schema.js';
import { Commit } from '../codec/vote.js';

export interface ChaosResult {
  run: SimRun;
  check: RunCheck;
  heights: Record<string, number>;
  /** What the runner heard on the gossip. */
  gossip: {
    stats: WatchStats;
    /** Validators the runner itself heard signing two conflicting votes (hex addresses, as in `run.evidence`). */
    equivocators: string[];
    conflictingProposals: { name: string; height: number; round: number }[];
  };
}

interface Observed {
  /** When (ms after the start) each height was first seen on each node. */
  seenAt: Map<number, number>[];
}

const POLL_MS = 250;
/** How long the runner's listener may take to connect to every node before the run starts anyway. */
const LISTENER_CONNECT_MS = 10_000;

function delayRange(d: DelaySpec): [number, number] {
  switch (d.kind) {
    case 'fixed':
      return [d.ms, d.ms];
    case 'uniform':
      return [d.minMs, d.maxMs];
    case 'exponential':
      // Real timers cannot draw the tail exactly: a uniform range with the same mean stands in.
      return [d.minMs, d.minMs + 2 * d.meanMs];
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function runChaos(scenario: Scenario, dir: string, log: (line: string) => void): Promise<ChaosResult> {
  // Said before anything starts: a run that silently skipped them would be judged as if they had happened.
  if ((scenario.delegations ?? []).length > 0) throw new CmtError('INVALID_SCENARIO', `${scenario.name}: delegations run in the simulator only (cmt sim); remove them to run the scenario on real processes`);
  const strategies: (ByzantineStrategyName | null)[] = strategiesOf(scenario, scenario.seed);
  const names = scenario.validators.map((v) => v.name);
  const manifest: TestnetManifest = await createTestnet({
    dir,
    validators: names.length,
    fullNodes: 0,
    chainId: `cmt-chaos-${scenario.name}`.slice(0, 50),
    freePort,
    stakes: scenario.validators.map((v) => BigInt(v.power) * ONE_CMT),
    consensusParams: { ...DEFAULT_CONSENSUS_PARAMS, timeouts: { ...DEFAULT_CONSENSUS_PARAMS.timeouts, ...scenario.timeouts } },
    // Faults stop validators on purpose: keep downtime jailing out of the experiment.
    stakingParams: { signedBlocksWindow: 1_000_000 },
  });
  const nodes = manifest.nodes;
  const adminPorts = await Promise.all(nodes.map(() => freePort()));
  const launch = (i: number): Promise<number> => {
    const strategy = strategies[i];
    return launchNode(nodes[i] as TestnetNode, { extraArgs: ['--chaos-admin-port', String(adminPorts[i]), ...(strategy ? ['--byzantine', strategy] : [])] });
  };
  for (const [i, strategy] of strategies.entries()) if (strategy) log(`${names[i]} is Byzantine: ${strategy}`);
  let listener: GossipListener | undefined;
  const up = nodes.map(() => true);
  const paused = nodes.map(() => false);
  const stopEveryNode = (): Promise<unknown> =>
    Promise.all(
      nodes.map(async (n, i) => {
        if (paused[i]) await signal(n, 'SIGCONT').catch(() => undefined);
        await stopNode(n);
      }),
    );
  // The nodes are detached processes: an interrupted run stops them before it exits, or they
  // would outlive it and hold the testnet's ports and directories.
  const interrupted = (sig: NodeJS.Signals): void => {
    log(`${sig}: stopping the testnet's nodes`);
    void stopEveryNode().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await Promise.all(nodes.map((_, i) => launch(i)));
    // Started once the nodes listen, so its first dials find them (a missed dial backs off for seconds).
    const genesis = await readGenesisFile(homePaths((nodes[0] as TestnetNode).home).genesis);
    listener = await startGossipListener({
      chainId: manifest.chainId,
      validators: nodes.map((n, i) => ({ name: names[i] as string, publicKey: publicKeyOf(genesis.validators, n), correct: strategies[i] === null })),
      peers: nodes.map(peerAddress),
      logger: silentLogger(),
    });
    // Only correct nodes are waited for: peers ban a Byzantine one that sends junk, and it may never get going.
    await waitForHeights(nodes.filter((_, i) => strategies[i] === null), 2, 60_000);
    const heard = listener.host;
    const connectBy = Date.now() + LISTENER_CONNECT_MS;
    while (heard.peers().length < nodes.length && Date.now() < connectBy) await sleep(POLL_MS);
    if (heard.peers().length < nodes.length) log(`warning: the gossip listener reached ${heard.peers().length} of ${nodes.length} nodes`);
    const net = new SimNetwork(names, scenario.network, scenario.faults);
    const start = Date.now();
    const observed: Observed = { seenAt: nodes.map(() => new Map()) };
    let polling = true;
    const poller = (async () => {
      while (polling) {
        await Promise.all(
          nodes.map(async (n, i) => {
            if (!up[i] || paused[i]) return;
            const h = await heightOf(n);
            const seen = observed.seenAt[i] as Map<number, number>;
            for (let k = 1; k <= h; k++) if (!seen.has(k)) seen.set(k, Date.now() - start);
          }),
        );
        await sleep(POLL_MS);
      }
    })();

    const setLinks = async (at: number): Promise<void> => {
      await Promise.all(
        nodes.map(async (_, r) => {
          if (!up[r] || paused[r]) return;
          const rules: LinkRule[] = nodes
            .map((peer, s) => {
              if (s === r) return undefined;
              const b = net.behaviour(s, r, at);
              const [minDelayMs, maxDelayMs] = delayRange(b.delay);
              return { peer: peer.peerId, drop: net.separated(s, r, at) ? 1 : b.drop, minDelayMs, maxDelayMs };
            })
            .filter((rule): rule is LinkRule => rule !== undefined);
          await putRules(adminPorts[r] as number, rules).catch((err: unknown) => log(`warning: link faults not set on ${names[r]}: ${(err as Error).message}`));
        }),
      );
    };
    await setLinks(0);

    const timeline = scenario.faults
      .flatMap((f) => {
        const end = endOf(f);
        return [{ at: f.at, f, phase: 'start' as const }, ...(end !== undefined && end < scenario.durationMs ? [{ at: end, f, phase: 'end' as const }] : [])];
      })
      .sort((a, b) => a.at - b.at);
    const applied: { at: number; description: string }[] = [];
    for (const event of timeline) {
      await sleep(start + event.at - Date.now());
      const description = `${event.phase} ${describeFault(event.f)}`;
      applied.push({ at: Date.now() - start, description });
      log(`${((Date.now() - start) / 1000).toFixed(1)} s: ${description}`);
      await applyFault(event.f, event.phase);
      await setLinks(event.at + (event.phase === 'end' ? 0 : 1));
    }
    await sleep(start + scenario.durationMs - Date.now());
    polling = false;
    await poller;

    // Read every node's chain: links healed, paused nodes resumed, crashed ones started again.
    await putAllRules([]);
    for (const [i, n] of nodes.entries()) {
      if (paused[i]) await signal(n, 'SIGCONT');
      if (!up[i]) await launch(i);
    }
    const heights = await Promise.all(nodes.map(async (n, i) => (observed.seenAt[i] as Map<number, number>).size || (await heightOf(n))));
    // The app hash after height h is in header h + 1: compare it up to the height every node has a header above.
    const correctHeights = heights.filter((_, i) => strategies[i] === null);
    const lastCommon = correctHeights.length > 0 ? Math.min(...correctHeights) : 0;
    const committedEvidence = await evidenceInBlocks(nodes, heights, strategies);
    const decisions: SimDecision[][] = [];
    const commits: { height: number; blockHash: string; commit: Commit }[][] = [];
    for (const [i, n] of nodes.entries()) {
      const client = new RpcClient(rpcUrlOf(n));
      const seen = observed.seenAt[i] as Map<number, number>;
      const appHashes: string[] = [];
      const mine: (typeof commits)[number] = [];
      try {
        for (let h = 1; h <= (heights[i] as number); h++) {
          // One call per height: the commit, and the header that carries the app hash of height h - 1.
          const answer = await client.call<{ raw_commit: string; signed_header: { header: { app_hash: string } } }>('commit', { height: h });
          const commit = decode(Commit, fromHex(answer.raw_commit.replace(/^0x/, ''), 'commit'), 'commit');
          appHashes.push(answer.signed_header.header.app_hash.toLowerCase());
          mine.push({ height: h, blockHash: toHex(commit.blockHash), commit });
        }
      } catch (err) {
        if (!(err instanceof NodeUnreachableError)) throw err;
        // A Byzantine node's blocks are not judged: its process ending is its business, said and skipped.
        if (strategies[i] !== null) {
          log(`${names[i]} (Byzantine) stopped answering before its blocks were read: ${err.message}`);
        } else {
          throw new CmtError('CHAOS_NODE_DOWN', `${names[i]} stopped answering before its blocks were read (${err.message}); the end of its log:\n${await logTail(n)}`);
        }
      }
      decisions.push(mine.map((c) => ({ height: c.height, round: c.commit.round, blockHash: c.blockHash, valid: true, appHash: c.height < lastCommon ? (appHashes[c.height] as string) : 'unknown', at: seen.get(c.height) ?? scenario.durationMs })));
      commits.push(mine);
    }
    const run: SimRun = {
      seed: scenario.seed,
      traceHash: '',
      endMs: scenario.durationMs,
      gstMs: gstOf(scenario.faults),
      down: downForGood(scenario.faults),
      validators: nodes.map((n, i) => ({ name: names[i] as string, address: n.validatorAddress.slice(2).toLowerCase(), power: scenario.validators[i]?.power as number, byzantine: strategies[i] ?? null })),
      decisions,
      doubleSigns: [...listener.watch.doubleSigns],
      votes: listener.watch.records,
      // As in the simulator: conflicting votes seen (here on the gossip), the forks of correct
      // validators' commits, and (only here) the evidence the chain committed.
      evidence: [...new Set([...listener.watch.evidence, ...forkEvidence(commits.filter((_, i) => strategies[i] === null)), ...committedEvidence])],
      timeline: [],
      faults: applied,
      messages: { sent: 0, lost: 0, junk: 0 },
    };
    return {
      run,
      check: checkRun(run, scenario.livenessBoundMs),
      heights: Object.fromEntries(names.map((name, i) => [name, heights[i] as number])),
      gossip: { stats: { ...listener.watch.stats }, equivocators: [...listener.watch.evidence], conflictingProposals: [...listener.watch.conflictingProposals] },
    };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await listener?.stop();
    await stopEveryNode();
  }

  async function applyFault(f: FaultEvent, phase: 'start' | 'end'): Promise<void> {
    const i = 'node' in f ? names.indexOf(f.node) : -1;
    const node = nodes[i];
    if (f.type === 'crash' && node) {
      if (phase === 'start') {
        await stopNode(node, 'SIGKILL');
        up[i] = false;
      } else {
        await launch(i);
        up[i] = true;
      }
    } else if (f.type === 'pause' && node) {
      await signal(node, phase === 'start' ? 'SIGSTOP' : 'SIGCONT');
      paused[i] = phase === 'start';
    }
    // Clock skew needs the node's clock, which a real process does not let us move: it is ignored here.
  }

  async function putAllRules(rules: LinkRule[]): Promise<void> {
    await Promise.all(adminPorts.map((port, i) => (up[i] && !paused[i] ? putRules(port, rules).catch(() => undefined) : undefined)));
  }
}

/** The consensus key of a testnet validator, from the genesis (the runner judges votes against it). */
function publicKeyOf(validators: readonly { publicKey: Uint8Array }[], node: TestnetNode): Uint8Array {
  const found = validators.find((v) => formatAddress(addressFromPublicKey(v.publicKey)).toLowerCase() === node.validatorAddress.toLowerCase());
  if (!found) throw new CmtError('INVALID_SCENARIO', `${node.name} (${node.validatorAddress}) is not in the testnet's genesis validators`);
  return found.publicKey;
}

/** Validators named by the evidence in the blocks of the first correct node (hex, lower case, no 0x). */
async function evidenceInBlocks(nodes: readonly TestnetNode[], heights: readonly number[], strategies: readonly (ByzantineStrategyName | null)[]): Promise<string[]> {
  const i = strategies.findIndex((s) => s === null);
  const node = nodes[i];
  if (!node) return [];
  const client = new RpcClient(rpcUrlOf(node));
  const named = new Set<string>();
  for (let h = 1; h <= (heights[i] as number); h++) {
    const answer = await client.call<{ block: { evidence: { evidence: { value: { validator_address: string } }[] } } }>('block', { height: h });
    for (const e of answer.block.evidence.evidence) named.add(e.value.validator_address.replace(/^0x/i, '').toLowerCase());
  }
  return [...named];
}

async function signal(node: TestnetNode, sig: 'SIGSTOP' | 'SIGCONT'): Promise<void> {
  const pid = await readPid(node);
  if (pid !== null) process.kill(pid, sig);
}

/** The last lines of a node's log, for an error that says why it went away. */
async function logTail(node: TestnetNode, lines = 20): Promise<string> {
  const text = await readFile(join(node.home, 'node.log'), 'utf8').catch((err: unknown) => `(no log: ${(err as Error).message})`);
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function heightOf(node: TestnetNode): Promise<number> {
  try {
    const status = await new RpcClient(rpcUrlOf(node)).call<{ sync_info: { latest_block_height: string } }>('status');
    return Number(status.sync_info.latest_block_height);
  } catch {
    return 0;
  }
}

async function putRules(port: number, rules: LinkRule[]): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/link-faults`, { method: 'PUT', body: JSON.stringify({ rules }), signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new CmtError('CHAOS_ADMIN', `admin endpoint on port ${port} answered ${res.status}: ${await res.text()}`);
}
