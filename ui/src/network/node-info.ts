/**
 * What the network view shows of one node, read from its status, consensus_state and net_info
 * answers. Junk fields read as absent, never as a throw.
 */
import { readCount, stepName } from '../consensus/round-state.js';

export interface NodeSnapshot {
  chainId: string;
  /** CometBFT's node id (40 lower-case hex); '' when the answer has none. */
  nodeId: string;
  moniker: string;
  height: number;
  /** Date.getTime() of the latest block; NaN when unknown. */
  blockTime: number;
  catchingUp: boolean;
  /** Upper-case hex; '' when the node has none. */
  validatorAddress: string;
  /** 0 for a full node. */
  votingPower: number;
  round: number | undefined;
  step: string | undefined;
  peers: number | undefined;
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

function text(v: unknown, max = 200): string {
  return typeof v === 'string' ? v.slice(0, max) : '';
}

/** status → the node's chain, height, block time and validator; an Error when it is not a status. */
export function readStatus(raw: unknown): Omit<NodeSnapshot, 'round' | 'step' | 'peers'> | Error {
  const result = obj(raw);
  const sync = obj(result.sync_info);
  const height = readCount(sync.latest_block_height);
  if (height === undefined) return new Error('status has no sync_info.latest_block_height');
  const node = obj(result.node_info);
  const validator = obj(result.validator_info);
  const address = text(validator.address);
  const blockTime = height === 0 ? NaN : new Date(text(sync.latest_block_time)).getTime();
  return {
    chainId: text(node.network, 100),
    nodeId: /^[0-9a-fA-F]{40}$/.test(text(node.id)) ? text(node.id).toLowerCase() : '',
    moniker: text(node.moniker, 100),
    height,
    blockTime,
    catchingUp: sync.catching_up === true,
    validatorAddress: /^[0-9A-Fa-f]{40}$/.test(address) ? address.toUpperCase() : '',
    votingPower: readCount(validator.voting_power) ?? 0,
  };
}

/** consensus_state → round and step: CometBFT's "height/round/step", or cmt's own round and step name. */
export function readConsensusState(raw: unknown): { round: number; step: string } | undefined {
  const rs = obj(obj(raw).round_state);
  const hrs = /^(\d{1,16})\/(\d{1,6})\/(\d{1,2})$/.exec(text(rs['height/round/step']));
  const round = readCount(rs.round) ?? (hrs ? Number(hrs[2]) : undefined);
  if (round === undefined) return undefined;
  const step = typeof rs.step === 'string' && /^[A-Za-z]{1,30}$/.test(rs.step) ? rs.step : hrs ? stepName(Number(hrs[3])) : '?';
  return { round, step };
}

/** net_info → the number of peers. */
export function readPeerCount(raw: unknown): number | undefined {
  const result = obj(raw);
  return readCount(result.n_peers) ?? (Array.isArray(result.peers) ? result.peers.length : undefined);
}

export interface PeerView {
  /** 40 lower-case hex, or '' when the answer gave none. */
  nodeId: string;
  /** The peer's address as the node knows it (a multiaddr or host:port), shortened. */
  address: string;
  outbound: boolean;
  moniker: string;
}

/** More peers than any node keeps: the rest of a longer list is not drawn. */
export const MAX_PEERS_SHOWN = 200;

/** net_info → its peers (at most MAX_PEERS_SHOWN); junk entries are skipped, never thrown on. */
export function readPeers(raw: unknown): PeerView[] {
  const peers = obj(raw).peers;
  if (!Array.isArray(peers)) return [];
  const out: PeerView[] = [];
  for (const item of peers.slice(0, MAX_PEERS_SHOWN)) {
    const info = obj(obj(item).node_info);
    const id = text(info.id);
    const address = text(info.listen_addr) || text(obj(item).remote_ip);
    if (!id && !address) continue;
    out.push({
      nodeId: /^[0-9a-fA-F]{40}$/.test(id) ? id.toLowerCase() : '',
      address: address.slice(0, 120),
      outbound: obj(item).is_outbound === true,
      moniker: text(info.moniker, 100),
    });
  }
  return out;
}
