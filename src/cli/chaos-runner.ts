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
import { setTimeout as sleep } from 'node:timers/promises';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ONE_CMT } from '../codec/amount.js';
import { CmtError } from '../codec/errors.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../codec/params.js';
import { MAX_DRIFT_PPM, MAX_SKEW_MS, type DelayRule, type LinkRule, type MessageRule } from '../p2p/link-faults.js';
import { NodeUnreachableError, RpcClient } from '../rpc/client.js';
import { readGenesisFile } from '../node/genesis.js';
import { homePaths } from '../node/home.js';
import { silentLogger } from '../node/logger.js';
import type { ByzantineStrategyName } from '../node/byzantine.js';
import { addressFromPublicKey, formatAddress } from '../crypto/address.js';
import { strategiesOf } from '../sim/strategies.js';
import { startGossipListener, type GossipListener } from './gossip-listener.js';
import { accountForm } from './validator-address.js';
import type { WatchStats } from '../sim/vote-watch.js';
import { checkRun, type RunCheck } from '../sim/checkers.js';
import { describeFault, downForGood, endOf, gstOf, type AppliedFault } from '../sim/fault-timeline.js';
import { forkEvidence } from '../sim/fork-evidence.js';
import { SimNetwork } from '../sim/network.js';
import type { DelaySpec, FaultEvent, ProtocolTrigger, Scenario } from '../sim/scenario-types.js';
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
/** How often nodes' consensus positions are read while a protocol trigger waits. */
const TRIGGER_POLL_MS = 50;
/** The longest delay the admin endpoint takes. */
const MAX_RULE_DELAY_MS = 600_000;
/** How long the runner's listener may take to connect to every node before the run starts anyway. */
const LISTENER_CONNECT_MS = 10_000;

/** A scenario delay as the admin endpoint takes it: the exponential tail is drawn by the node itself, capped at 10 minutes. */
function delayRule(d: DelaySpec): DelayRule {
  const cap = (ms: number): number => Math.min(ms, MAX_RULE_DELAY_MS);
  switch (d.kind) {
    case 'fixed':
      return { minDelayMs: cap(d.ms), maxDelayMs: cap(d.ms) };
    case 'uniform':
      return { minDelayMs: cap(d.minMs), maxDelayMs: cap(d.maxMs) };
    case 'exponential':
      return { minDelayMs: cap(d.minMs), maxDelayMs: MAX_RULE_DELAY_MS, meanMs: cap(d.meanMs) };
  }
}

/**
 * What a scenario asks that real processes cannot do here, named, so the run is refused before
 * a testnet is made: a run that silently skipped them would be judged as if they had happened.
 */
export function unsupportedOnRealProcesses(scenario: Scenario): string[] {
  const out: string[] = [];
  if ((scenario.delegations ?? []).length > 0) out.push('delegations');
  if ((scenario.nodes ?? []).length > 0) out.push(`nodes (full nodes and twins: ${(scenario.nodes ?? []).map((n) => n.name).join(', ')})`);
  if (scenario.load) out.push('load');
  for (const v of scenario.validators) if (v.startAt !== undefined) out.push(`start_at of ${v.name}`);
  scenario.faults.forEach((f, i) => {
    const where = `faults[${i}]`;
    if (f.type === 'crash' && f.disk) out.push(`${where}: crash disk damage`);
    if (f.type === 'slowDisk') out.push(`${where}: slow_disk`);
    if (f.type === 'slowCpu') out.push(`${where}: slow_cpu`);
    if (f.type === 'clockSkew' && Math.abs(f.skewMs) > MAX_SKEW_MS) out.push(`${where}: clock_skew beyond ±${MAX_SKEW_MS} ms`);
    if (f.type === 'clockDrift' && Math.abs(f.ppm) > MAX_DRIFT_PPM) out.push(`${where}: clock_drift beyond ±${MAX_DRIFT_PPM} ppm`);
  });
  return out;
}

/** A node's consensus position as consensus_state shows it; proposer as a lower-case 0x address. */
interface Position {
  height: number;
  round: number;
  step: string;
  proposer: string | null;
}

function triggerMatches(t: ProtocolTrigger, p: Position, proposerAddress: string | undefined): boolean {
  // consensus_state calls the core's `decided` step `commit`.
  const step = t.step === 'decided' ? 'commit' : t.step;
  return p.height === t.height && (t.round === undefined || p.round === t.round) && (step === undefined || p.step === step) && (proposerAddress === undefined || p.proposer === proposerAddress);
}


export async function runChaos(scenario: Scenario, dir: string, log: (line: string) => void): Promise<ChaosResult> {
  // Said before anything starts: a run that silently skipped them would be judged as if they had happened.
  const unsupported = unsupportedOnRealProcesses(scenario);
  if (unsupported.length > 0) {
    throw new CmtError('INVALID_SCENARIO', `${scenario.name}: these run in the simulator only (cmt sim): ${unsupported.join('; ')}; remove them to run the scenario on real processes`);
  }
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
  /** Each node's clock fault so far (clock faults have no end). */
  const clockOf = nodes.map(() => ({ skewMs: 0, ppm: 0 }));
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
            .map((peer, s): LinkRule | undefined => {
              if (s === r) return undefined;
              const b = net.behaviour(s, r, at);
              return { peer: peer.peerId, drop: net.separated(s, r, at) ? 1 : b.drop, duplicate: b.duplicate, ...delayRule(b.delay) };
            })
            .filter((rule): rule is LinkRule => rule !== undefined);
          const port = adminPorts[r] as number;
          await putRules(port, '/link-faults', rules).catch((err: unknown) => log(`warning: link faults not set on ${names[r]}: ${(err as Error).message}`));
          if (hasMessageFaults) await putRules(port, '/message-faults', messageRules(r, at)).catch((err: unknown) => log(`warning: message faults not set on ${names[r]}: ${(err as Error).message}`));
        }),
      );
    };
    /** The rules of the `messages` faults active at `at` that reach node r (filter.to), with names turned into what the node sees. */
    const messageRules = (r: number, at: number): MessageRule[] =>
      scenario.faults.flatMap((f, i): MessageRule[] => {
        if (f.type !== 'messages' || !net.isActive(i, at)) return [];
        const { filter, behaviour } = f;
        if (filter.to && !filter.to.includes(names[r] as string)) return [];
        const node = (name: string): TestnetNode => nodes[names.indexOf(name)] as TestnetNode;
        return [
          {
            ...(filter.kinds ? { kinds: [...filter.kinds] } : {}),
            ...(filter.from ? { from: filter.from.map((n) => node(n).peerId) } : {}),
            // A vote names its validator's address; a proposal is known by its gossip author.
            ...(filter.signer ? { signer: filter.signer.flatMap((n) => [node(n).validatorAddress.replace(/^0x/i, '').toLowerCase(), node(n).peerId]) } : {}),
            ...(filter.heights ? { heights: filter.heights } : {}),
            ...(filter.rounds ? { rounds: filter.rounds } : {}),
            ...(behaviour.drop !== undefined ? { drop: behaviour.drop } : {}),
            ...(behaviour.duplicate !== undefined ? { duplicate: behaviour.duplicate } : {}),
            ...(behaviour.delay !== undefined ? { delay: delayRule(behaviour.delay) } : {}),
          },
        ];
      });
    const hasMessageFaults = scenario.faults.some((f) => f.type === 'messages');
    await setLinks(0);

    // Faults scheduled by time, in order; triggered ones (`when`) wait for a node's consensus position.
    const timeline = scenario.faults
      .flatMap((f, index) => {
        if (f.when !== undefined) return [];
        const end = endOf(f);
        return [{ at: f.at, index, phase: 'start' as const }, ...(end !== undefined && end < scenario.durationMs ? [{ at: end, index, phase: 'end' as const }] : [])];
      })
      .sort((a, b) => a.at - b.at);
    const armed = scenario.faults.flatMap((f, index) => (f.when !== undefined ? [index] : []));
    const applied: { at: number; description: string }[] = [];
    const appliedFaults: AppliedFault[] = [];
    const addressOf = (name: string): string | undefined => nodes[names.indexOf(name)]?.validatorAddress.toLowerCase();
    /** Applies a fault's start or end; `at` is its time on the scenario's clock (the links are computed for it), the record says when it really happened. */
    const fire = async (index: number, phase: 'start' | 'end', at: number): Promise<void> => {
      const f = scenario.faults[index] as FaultEvent;
      const description = `${phase} ${describeFault(f)}`;
      const happened = Date.now() - start;
      applied.push({ at: happened, description });
      appliedFaults.push({ at: happened, phase, index });
      log(`${(happened / 1000).toFixed(1)} s: ${description}`);
      if (f.when !== undefined) {
        if (phase === 'start') net.start(index, at);
        else net.end(index, at);
      }
      await applyFault(f, phase);
      await setLinks(f.when !== undefined || phase === 'end' ? at : at + 1);
    };
    while (Date.now() - start < scenario.durationMs) {
      const now = Date.now() - start;
      const due = timeline[0];
      if (due !== undefined && due.at <= now) {
        timeline.shift();
        await fire(due.index, due.phase, due.at);
        continue;
      }
      const waiting = armed.filter((i) => (scenario.faults[i] as FaultEvent).at <= now);
      if (waiting.length > 0) {
        const positions = await Promise.all(nodes.map((n, i) => (up[i] && !paused[i] ? positionOf(n) : Promise.resolve(null))));
        const at = Date.now() - start;
        for (const index of waiting) {
          const f = scenario.faults[index] as FaultEvent;
          const when = f.when as ProtocolTrigger;
          const watched = when.node === undefined ? positions : [positions[names.indexOf(when.node)] ?? null];
          const proposer = when.proposer === undefined ? undefined : addressOf(when.proposer);
          if (!watched.some((p) => p !== null && triggerMatches(when, p, proposer))) continue;
          armed.splice(armed.indexOf(index), 1);
          await fire(index, 'start', at);
          // A triggered fault lasts forMs from when it fired (for ever without).
          if (f.forMs !== undefined && at + f.forMs < scenario.durationMs) {
            const end = { at: at + f.forMs, index, phase: 'end' as const };
            const place = timeline.findIndex((e) => e.at > end.at);
            timeline.splice(place === -1 ? timeline.length : place, 0, end);
          }
        }
      }
      const next = Math.min(timeline[0]?.at ?? scenario.durationMs, scenario.durationMs) - (Date.now() - start);
      await sleep(armed.length > 0 ? Math.min(next, TRIGGER_POLL_MS) : next);
    }
    for (const index of armed) log(`the trigger of ${describeFault(scenario.faults[index] as FaultEvent)} never matched: that fault did not happen`);
    await sleep(start + scenario.durationMs - Date.now());
    polling = false;
    await poller;

    // Read every node's chain: links healed, paused nodes resumed, crashed ones started again.
    await putAllRules('/link-faults');
    if (hasMessageFaults) await putAllRules('/message-faults');
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
      gstMs: gstOf(scenario.faults, appliedFaults),
      down: downForGood(scenario.faults, appliedFaults),
      validators: nodes.map((n, i) => ({ name: names[i] as string, address: n.validatorAddress.slice(2).toLowerCase(), power: scenario.validators[i]?.power as number, byzantine: strategies[i] ?? null })),
      decisions,
      doubleSigns: [...listener.watch.doubleSigns],
      votes: listener.watch.records,
      // As in the simulator: conflicting votes seen (here on the gossip), the forks of correct
      // validators' commits, and (only here) the evidence the chain committed.
      evidence: [...new Set([...listener.watch.evidence, ...forkEvidence(commits.filter((_, i) => strategies[i] === null)), ...committedEvidence])],
      timeline: [],
      faults: applied,
      appliedFaults,
      messages: { sent: 0, lost: 0, junk: 0 },
    };
    return {
      run,
      check: checkRun(run, scenario.livenessBoundMs, scenario),
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
      if (phase === 'end') await putClock(i);
    } else if (f.type === 'pause' && node) {
      await signal(node, phase === 'start' ? 'SIGSTOP' : 'SIGCONT');
      paused[i] = phase === 'start';
    } else if ((f.type === 'clockSkew' || f.type === 'clockDrift') && node && phase === 'start') {
      const c = clockOf[i] as { skewMs: number; ppm: number };
      if (f.type === 'clockSkew') c.skewMs = f.skewMs;
      else c.ppm = f.ppm;
      await putClock(i);
    }
  }

  /** A node's clock fault, set again after a restart (a new process starts with a true clock). */
  async function putClock(i: number): Promise<void> {
    const c = clockOf[i] as { skewMs: number; ppm: number };
    if (c.skewMs === 0 && c.ppm === 0) return;
    const res = await fetch(`http://127.0.0.1:${adminPorts[i] as number}/clock`, { method: 'PUT', body: JSON.stringify(c), signal: AbortSignal.timeout(2000) }).catch((err: unknown) => err as Error);
    if (res instanceof Error || !res.ok) log(`warning: the clock of ${names[i]} was not set: ${res instanceof Error ? res.message : `${res.status} ${await res.text()}`}`);
  }

  async function putAllRules(path: '/link-faults' | '/message-faults'): Promise<void> {
    await Promise.all(adminPorts.map((port, i) => (up[i] && !paused[i] ? putRules(port, path, []).catch(() => undefined) : undefined)));
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

/** A node's consensus position (consensus_state), or null while it does not answer. */
async function positionOf(node: TestnetNode): Promise<Position | null> {
  try {
    const { round_state: s } = await new RpcClient(rpcUrlOf(node)).call<{ round_state: { height: string; round: number; step: string; proposer: { address: string } | null } }>('consensus_state');
    return { height: Number(s.height), round: s.round, step: s.step, proposer: s.proposer ? accountForm(s.proposer.address) : null };
  } catch {
    return null;
  }
}

async function putRules(port: number, path: '/link-faults' | '/message-faults', rules: readonly (LinkRule | MessageRule)[]): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'PUT', body: JSON.stringify({ rules }), signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new CmtError('CHAOS_ADMIN', `admin endpoint on port ${port} answered ${res.status}: ${await res.text()}`);
}
