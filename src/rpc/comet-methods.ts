/**
 * CometBFT 0.38's information methods (rpc/core/*.go), in its JSON shapes: node status, blocks,
 * headers, commits, validators, consensus parameters and state, genesis, the network, and the
 * checks that change nothing (check_tx, broadcast_evidence through the evidence pool).
 * spec/rpc.md lists each with where it differs from CometBFT and why.
 */
import { BLOCK_VERSION, BlockHeader } from '../codec/block.js';
import { to0x } from '../codec/bytes.js';
import { decode, encode } from '../codec/schema.js';
import { Commit, Evidence } from '../codec/vote.js';
import type { NodeApi, StoredBlock } from '../node/api.js';
import { invalidParams, notFound } from './errors.js';
import type { Method } from './methods.js';
import { optionalHeight, optionalInt, pageOf, perPage, requiredBytes, requiredHash, requiredTx, type Params } from './params.js';
import {
  blockIdView,
  consensusParamsView,
  evidenceHashView,
  genesisView,
  nodeIdOfPeer,
  nodeIdOfPublicKey,
  P2P_PROTOCOL_VERSION,
  validatorAddressView,
} from './comet-views.js';
import { consensusStateView, dumpConsensusStateView } from './comet-consensus-views.js';
import { base64, blockResultsView, blockView, checkTxView, commitView, headerView, hexUpper, isoTime, pubKeyView, validatorsView } from './views.js';

/** At most this many block metas per `blockchain` answer, as CometBFT. */
export const BLOCKCHAIN_MAX_METAS = 20;

/** Room for the JSON-RPC envelope around a genesis chunk. */
const CHUNK_ENVELOPE_BYTES = 1024;

/** Bytes of genesis per genesis_chunked chunk: its base64 and the envelope fit in rpc.max_response_bytes. */
export function genesisChunkBytes(maxResponseBytes: number): number {
  return Math.max(3, Math.floor((maxResponseBytes - CHUNK_ENVELOPE_BYTES) / 4) * 3);
}

/** The node info CometBFT shows of a node: ours in status, a peer's (what cmt knows of it) in net_info. */
function nodeInfoView(o: { id: string; listenAddr: string; network: string; version: string; moniker: string; other: Record<string, string> }): Record<string, unknown> {
  return {
    protocol_version: { p2p: String(P2P_PROTOCOL_VERSION), block: String(BLOCK_VERSION), app: '0' },
    id: o.id,
    listen_addr: o.listenAddr,
    network: o.network,
    version: o.version,
    // cmt gossips on libp2p topics, not CometBFT's numbered channels.
    channels: '',
    moniker: o.moniker,
    other: o.other,
  };
}

async function storedBlock(api: NodeApi, height: number | undefined): Promise<StoredBlock> {
  const found = await api.block(height);
  if (!found) throw notFound(`block ${height ?? 'latest'} is not available (stored: ${api.status().earliestBlockHeight}..${api.status().latestBlockHeight})`);
  return found;
}

async function blockWithHash(api: NodeApi, params: Params): Promise<StoredBlock> {
  const hash = requiredHash(params, 'hash');
  const found = await api.blockByHash(hash);
  if (!found) throw notFound(`no block with hash ${hexUpper(hash)}`);
  return found;
}

/** The genesis view's JSON text, computed once: genesis never changes while the node runs. */
const genesisTexts = new WeakMap<NodeApi, Buffer>();
function genesisText(api: NodeApi): Buffer {
  let text = genesisTexts.get(api);
  if (!text) {
    text = Buffer.from(JSON.stringify(genesisView(api.genesis)), 'utf8');
    genesisTexts.set(api, text);
  }
  return text;
}

/** The remote IP of a peer's multiaddr (`/ip4/1.2.3.4/tcp/…`), or '' when it names none. */
function remoteIp(addr: string): string {
  return /^\/ip[46]\/([^/]+)/.exec(addr)?.[1] ?? '';
}

export const COMET_METHODS: Record<string, Method> = {
  async health() {
    return {};
  },

  /**
   * The node, its chain position and its validator key. A full node has no validator key: it
   * shows its node key with voting power 0 (CometBFT's full nodes show their unused validator key).
   */
  async status(_params, { api, rpcAddress }) {
    const s = api.status();
    const [earliest, latest, identity] = await Promise.all([api.earliestBlock(), s.latestBlockHeight > 0 ? api.blockSummary(s.latestBlockHeight) : undefined, api.identity()]);
    const nodeId = nodeIdOfPublicKey(identity.publicKey);
    return {
      node_info: nodeInfoView({
        id: nodeId,
        listenAddr: identity.listenAddr,
        network: s.chainId,
        version: s.version,
        moniker: s.moniker,
        other: { tx_index: 'on', rpc_address: rpcAddress, peer_id: identity.peerId },
      }),
      sync_info: {
        latest_block_hash: hexUpper(s.latestBlockHash),
        // As CometBFT: the latest header's app hash (the state before the latest block); abci_info has the state after it.
        latest_app_hash: latest ? hexUpper(latest.appHash) : '',
        latest_block_height: String(s.latestBlockHeight),
        latest_block_time: isoTime(s.latestBlockTime),
        earliest_block_hash: earliest ? hexUpper(earliest.hash) : '',
        earliest_app_hash: earliest ? hexUpper(earliest.appHash) : '',
        earliest_block_height: String(s.earliestBlockHeight),
        earliest_block_time: earliest ? isoTime(earliest.time) : isoTime(api.genesis.genesisTime),
        catching_up: false,
      },
      validator_info: s.validator
        ? { address: validatorAddressView(s.validator.address), pub_key: pubKeyView(s.validator.publicKey), voting_power: String(s.validator.power) }
        : { address: nodeId.toUpperCase(), pub_key: pubKeyView(identity.publicKey), voting_power: '0' },
    };
  },

  async abci_info(_params, { api }) {
    const s = api.status();
    return {
      response: {
        data: 'cmt',
        version: s.version,
        app_version: String(s.appVersion),
        last_block_height: String(s.latestBlockHeight),
        last_block_app_hash: base64(s.latestAppHash),
      },
    };
  },

  async genesis(_params, { api }) {
    return { genesis: genesisView(api.genesis) };
  },

  /** The genesis view's JSON text in chunks of genesisChunkBytes(rpc.max_response_bytes), base64. */
  async genesis_chunked(params, { api, maxResponseBytes }) {
    const text = genesisText(api);
    const size = genesisChunkBytes(maxResponseBytes);
    const total = Math.max(1, Math.ceil(text.length / size));
    const chunk = optionalInt(params, 'chunk', 0, Number.MAX_SAFE_INTEGER);
    if (chunk >= total) throw invalidParams(`there are ${total} chunks, ${chunk} is invalid`);
    return { chunk: String(chunk), total: String(total), data: text.subarray(chunk * size, (chunk + 1) * size).toString('base64') };
  },

  async block(params, { api }) {
    const found = await storedBlock(api, optionalHeight(params));
    return blockView(found.block, found.hash);
  },

  async block_by_hash(params, { api }) {
    const found = await blockWithHash(api, params);
    return blockView(found.block, found.hash);
  },

  async header(params, { api }) {
    const found = await storedBlock(api, optionalHeight(params));
    return { header: headerView(found.block.header) };
  },

  async header_by_hash(params, { api }) {
    const found = await blockWithHash(api, params);
    return { header: headerView(found.block.header) };
  },

  /**
   * Block metas from maxHeight down to minHeight, at most 20 (CometBFT's filterMinMax): 0 or
   * absent means the first stored block and the latest.
   */
  async blockchain(params, { api }) {
    const s = api.status();
    const latest = s.latestBlockHeight;
    const base = s.earliestBlockHeight;
    let min = optionalInt(params, 'minHeight', 0, Number.MAX_SAFE_INTEGER);
    let max = optionalInt(params, 'maxHeight', 0, Number.MAX_SAFE_INTEGER);
    if (min === 0) min = 1;
    if (max === 0) max = latest;
    max = Math.min(latest, max);
    min = Math.max(base, min, max - BLOCKCHAIN_MAX_METAS + 1);
    if (min > max) throw invalidParams(`min height ${min} can't be greater than max height ${max}`);
    const metas: Record<string, unknown>[] = [];
    for (let h = max; h >= min; h--) {
      const found = await api.block(h);
      if (!found) break;
      metas.push({ block_id: blockIdView(found.hash), block_size: String(found.size), header: headerView(found.block.header), num_txs: String(found.block.txs.length) });
    }
    return { last_height: String(latest), block_metas: metas };
  },

  async block_results(params, { api }) {
    const height = optionalHeight(params);
    const results = await api.blockResults(height);
    if (!results) throw notFound(`results of block ${height ?? 'latest'} are not available`);
    return blockResultsView(results);
  },

  async commit(params, { api }) {
    const height = optionalHeight(params);
    const found = await api.blockCommit(height);
    if (!found) throw notFound(`commit ${height ?? 'latest'} is not available`);
    return {
      signed_header: { header: headerView(found.block.block.header), commit: commitView(found.commit, found.commitTime) },
      canonical: found.canonical,
      // cmt's addition: the canonical encodings, so a client can hash the header and check every signature itself.
      raw_header: to0x(encode(BlockHeader, found.block.block.header)),
      raw_commit: to0x(encode(Commit, found.commit)),
    };
  },

  /** The validator set of a height (the next block's by default), CometBFT's paging: per_page 30 by default, at most 100. */
  async validators(params, { api }) {
    const height = optionalHeight(params);
    const found = await api.validators(height);
    if (!found) throw notFound(`validators of height ${height} are not available`);
    const per = perPage(params);
    const page = pageOf(params, per, found.set.size);
    return validatorsView(found.height, found.set, { offset: (page - 1) * per, limit: per });
  },

  async consensus_params(params, { api }) {
    const height = optionalHeight(params);
    const found = await api.consensusParams(height);
    if (!found) throw notFound(`consensus parameters of height ${height} are not available`);
    return { block_height: String(found.height), consensus_params: consensusParamsView(found.params) };
  },

  async consensus_state(_params, { api }) {
    return { round_state: consensusStateView(api.consensusPosition()) };
  },

  async dump_consensus_state(_params, { api }) {
    const position = api.consensusPosition();
    const validators = await api.validators(position.height > 0 ? position.height : undefined);
    return dumpConsensusStateView(position, validators?.set, api.netInfo());
  },

  /** The peers as CometBFT shows them, with what cmt knows of each: its id and address (spec/rpc.md). */
  async net_info(_params, { api }) {
    const n = api.netInfo();
    const network = api.status().chainId;
    return {
      listening: n.listening,
      listeners: n.listenAddrs,
      n_peers: String(n.peers.length),
      peers: n.peers.map((p) => ({
        node_info: nodeInfoView({ id: nodeIdOfPeer(p.peerId), listenAddr: p.addr, network, version: '', moniker: '', other: { tx_index: '', rpc_address: '', peer_id: p.peerId } }),
        is_outbound: p.direction === 'outbound',
        connection_status: { Duration: '0', SendMonitor: null, RecvMonitor: null, Channels: [] },
        remote_ip: remoteIp(p.addr),
      })),
    };
  },

  /** CheckTx alone: the answer broadcast_tx_sync would give, with nothing added to the mempool. */
  async check_tx(params, { api }) {
    return checkTxView(api.checkTx(requiredTx(params)));
  },

  /**
   * Evidence in cmt's canonical encoding (0x-hex or base64), not CometBFT's protobuf: verified
   * by the evidence pool, gossiped when new; `hash` is sha256 of the encoding.
   */
  async broadcast_evidence(params, { api }) {
    const bytes = requiredBytes(params, 'evidence', 4096);
    let evidence: Evidence;
    try {
      evidence = decode(Evidence, bytes, 'evidence');
    } catch (err) {
      throw invalidParams(`evidence is not cmt's canonical evidence encoding: ${(err as Error).message}`);
    }
    const latest = api.status().latestBlockHeight;
    if (evidence.voteA.height > latest) throw invalidParams(`evidence of height ${evidence.voteA.height} is above the latest block ${latest}`);
    const result = await api.addEvidence(evidence);
    if (result.kind === 'invalid') throw invalidParams(`invalid evidence: ${result.reason}`);
    return { hash: evidenceHashView(evidence) };
  },
};
