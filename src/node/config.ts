/** The node's own settings (`config/config.json`): ports, limits, retention. Not consensus-critical. */
import { lstat, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { readStartFile, START_FILE_MAX_BYTES } from '../runtime/start-file.js';
import { CmtError } from '../codec/errors.js';
import type { TimeoutParams } from '../codec/params.js';
import { TIMEOUT_JSON_NAMES } from './genesis.js';
import { DEFAULT_QUERY_GAS_LIMIT } from '../app/query/gas-limit.js';
import type { QueryLimits } from './query-gate.js';

export class InvalidConfigError extends CmtError {
  constructor(source: string, message: string) {
    super('INVALID_CONFIG', `${source}: ${message}`);
  }
}

export interface NodeConfig {
  moniker: string;
  rpc: {
    host: string;
    port: number;
    maxBodyBytes: number;
    maxBatchRequests: number;
    /** Largest answer, and largest sum of a batch's answers; past it a request gets -32005. */
    maxResponseBytes: number;
    /** Bytes queued for one WebSocket client and not yet read; past it the client is closed (1008). */
    websocketWriteBufferBytes: number;
    /** Bytes of answers and events queued and not yet read, over all clients. */
    maxQueuedBytes: number;
    /** How long an HTTP answer may wait unread before its connection is closed. */
    writeTimeoutMs: number;
    /** Open HTTP and WebSocket connections; more are refused at accept. */
    maxOpenConnections: number;
    maxSubscriptionsPerClient: number;
    /** Subscriptions over all WebSocket clients: every event is matched against each on the consensus thread. */
    maxSubscriptions: number;
    timeoutBroadcastTxCommitMs: number;
    /**
     * Origins whose pages may call this RPC from a browser (CometBFT's cors_allowed_origins):
     * exact origins like http://127.0.0.1:26657, or "*". Empty: no cross-origin access.
     */
    corsAllowedOrigins: string[];
  };
  /** The web dashboard served at /ui on the RPC port (spec/dashboard.md). */
  dashboard: DashboardConfig;
  /** The webhook endpoint, POST /hooks/<contract>/<hook> on its own port (spec/webhooks.md). */
  webhooks: WebhooksConfig;
  mempool: {
    maxTxs: number;
    maxBytes: number;
    cacheSize: number;
    /** Blocks' worth of this node's block budget the pool holds at most (spec/performance.md, "Overload"); 0: no such bound. */
    maxBlocks: number;
  };
  state: {
    /** Past state versions kept for queries; 0 keeps all. */
    keepRecent: number;
  };
  storage: {
    /** Blocks (with their commits, results and transaction index) kept; 0 keeps all. */
    retainBlocks: number;
  };
  consensus: {
    /**
     * This node's own round timeouts, over genesis's. Timeouts decide only when this node gives
     * up waiting, never what is valid, so each operator may tune them (as in CometBFT's config).
     */
    timeouts: Partial<TimeoutParams>;
  };
  p2p: {
    /** Address the libp2p TCP transport listens on; 0.0.0.0 to accept other machines. */
    host: string;
    /** 0 picks a free port. */
    port: number;
    /** Peers dialled at start and re-dialled when lost: /ip4/H/tcp/P/p2p/ID multiaddrs. */
    persistentPeers: string[];
    maxPeers: number;
    /** Proposed blocks larger than this are not gossiped with the proposal; peers fetch them. */
    maxInlineBlockBytes: number;
  };
  /** Work clients get for free: contract queries, gas estimates (spec/node.md, "Queries"). */
  query: QueryLimits;
  /** Threads for signature checks; 0 = one less than the cores. */
  verifierThreads: number;
  /**
   * Worker threads of the parallel block executor: 'auto' (the default) is the number of cores,
   * 0 runs blocks on the sequential reference executor. Results are the same whatever the value.
   */
  executionWorkers: number | 'auto';
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
}

/** One node the dashboard's network view watches. */
export interface DashboardNode {
  name: string;
  /** Its RPC URL, e.g. http://127.0.0.1:26657. */
  rpc: string;
}

export interface DashboardConfig {
  enabled: boolean;
  /** Other nodes of the network to show beside this one (a testnet writes its nodes here). */
  nodes: DashboardNode[];
  /** Trace files of `cmt sim` the dashboard may open by name (/ui/traces/NAME); '' for none. */
  tracesDir: string;
}

export interface WebhooksConfig {
  /** Off by default: a node attests only when its operator turns this on. */
  enabled: boolean;
  host: string;
  port: number;
  /** The key (in the home's keys directory) that signs this node's attestations: its operator's account. */
  attesterKey: string;
  /** HMAC secrets of HMAC hooks, by "0x<contract>/<hook>"; only operators hold them. */
  secrets: Record<string, string>;
  /** Largest body accepted; the chain takes at most 16 KiB. */
  maxBodyBytes: number;
  /** Calls handled at once; more are answered 503 at once. */
  maxInFlight: number;
}

export const DEFAULT_CONFIG: NodeConfig = {
  moniker: 'cmt-node',
  rpc: {
    host: '127.0.0.1',
    port: 26657,
    maxBodyBytes: 10 * 1024 * 1024,
    maxBatchRequests: 2000,
    // A full block (8 MiB) is about 11 MiB as JSON, so one always fits.
    maxResponseBytes: 16 * 1024 * 1024,
    websocketWriteBufferBytes: 32 * 1024 * 1024,
    maxQueuedBytes: 256 * 1024 * 1024,
    writeTimeoutMs: 60_000,
    maxOpenConnections: 900,
    maxSubscriptionsPerClient: 100,
    maxSubscriptions: 1000,
    timeoutBroadcastTxCommitMs: 10_000,
    corsAllowedOrigins: [],
  },
  dashboard: { enabled: true, nodes: [], tracesDir: '' },
  webhooks: { enabled: false, host: '127.0.0.1', port: 26659, attesterKey: '', secrets: {}, maxBodyBytes: 16 * 1024, maxInFlight: 64 },
  mempool: { maxTxs: 100_000, maxBytes: 256 * 1024 * 1024, cacheSize: 100_000, maxBlocks: 2 },
  state: { keepRecent: 100 },
  storage: { retainBlocks: 0 },
  consensus: { timeouts: {} },
  p2p: { host: '127.0.0.1', port: 26656, persistentPeers: [], maxPeers: 50, maxInlineBlockBytes: 1024 * 1024 },
  query: { gasLimit: DEFAULT_QUERY_GAS_LIMIT, maxPerClient: 4, maxPerBatch: 8, maxQueued: 64 },
  verifierThreads: 0,
  executionWorkers: 'auto',
  logLevel: 'info',
};


const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

type Json = Record<string, unknown>;

function section(json: Json, name: string, source: string): Json {
  const value = json[name];
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidConfigError(source, `"${name}" must be an object`);
  return value as Json;
}

function int(obj: Json, key: string, fallback: number, source: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = obj[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw new InvalidConfigError(source, `${key} must be an integer in [${min}, ${max}]`);
  return v;
}

/** An origin as a browser sends it: scheme://host[:port], nothing after. */
const ORIGIN = /^https?:\/\/[A-Za-z0-9.\-\[\]:]+$/;

function corsOrigins(value: unknown, source: string): string[] {
  if (!Array.isArray(value) || value.length > 100 || value.some((o) => typeof o !== 'string' || (o !== '*' && !ORIGIN.test(o)))) {
    throw new InvalidConfigError(source, 'rpc.cors_allowed_origins must be a list of at most 100 origins like "http://127.0.0.1:26657", or ["*"]');
  }
  return value as string[];
}

function parseDashboard(json: Json, source: string): DashboardConfig {
  const d = DEFAULT_CONFIG.dashboard;
  const enabled = json.enabled ?? d.enabled;
  if (typeof enabled !== 'boolean') throw new InvalidConfigError(source, 'dashboard.enabled must be true or false');
  const nodes = json.nodes ?? d.nodes;
  const isNode = (n: unknown): n is DashboardNode =>
    n !== null && typeof n === 'object' && typeof (n as DashboardNode).name === 'string' && /^[^\u0000-\u001f]{1,64}$/.test((n as DashboardNode).name) && typeof (n as DashboardNode).rpc === 'string' && ORIGIN.test((n as DashboardNode).rpc);
  if (!Array.isArray(nodes) || nodes.length > 100 || !nodes.every(isNode)) {
    throw new InvalidConfigError(source, 'dashboard.nodes must be a list of at most 100 { "name": "1 to 64 printable characters", "rpc": "http://host:port" }');
  }
  const tracesDir = json.traces_dir ?? d.tracesDir;
  // A NUL would make every file call on the directory throw; no real directory has one.
  if (typeof tracesDir !== 'string' || tracesDir.length > 4096 || tracesDir.includes('\0')) {
    throw new InvalidConfigError(source, 'dashboard.traces_dir must be a directory path (at most 4096 characters, no NUL), or "" for none');
  }
  return { enabled, nodes: nodes.map((n) => ({ name: n.name, rpc: n.rpc })), tracesDir };
}

const SECRET_NAME = /^0x[0-9a-fA-F]{40}\/[A-Za-z0-9_-]{1,64}$/;

function parseWebhooks(json: Json, source: string): WebhooksConfig {
  const d = DEFAULT_CONFIG.webhooks;
  const enabled = json.enabled ?? d.enabled;
  if (typeof enabled !== 'boolean') throw new InvalidConfigError(source, 'webhooks.enabled must be true or false');
  const host = json.host ?? d.host;
  if (typeof host !== 'string' || isIP(host) === 0) throw new InvalidConfigError(source, 'webhooks.host must be an IP address, e.g. 127.0.0.1 or 0.0.0.0');
  const attesterKey = json.attester_key ?? d.attesterKey;
  if (typeof attesterKey !== 'string' || attesterKey.length > 64) throw new InvalidConfigError(source, 'webhooks.attester_key must be the name of a key in the home\'s keys directory');
  if (enabled && attesterKey === '') throw new InvalidConfigError(source, 'webhooks.attester_key must name the key that signs attestations (cmt keys add NAME --home HOME) when webhooks are enabled');
  const secrets = json.secrets ?? d.secrets;
  const validSecrets =
    secrets !== null && typeof secrets === 'object' && !Array.isArray(secrets) && Object.keys(secrets).length <= 1000 &&
    Object.entries(secrets).every(([k, v]) => SECRET_NAME.test(k) && typeof v === 'string' && v.length >= 16 && v.length <= 1024);
  if (!validSecrets) throw new InvalidConfigError(source, 'webhooks.secrets must map "0x<contract>/<hook>" to a secret of 16 to 1024 characters');
  return {
    enabled,
    host,
    port: int(json, 'port', d.port, source, 0, 65535),
    attesterKey,
    // The contract's hex is any case; the hook's name is as declared (names are case-sensitive).
    secrets: Object.fromEntries(Object.entries(secrets as Record<string, string>).map(([k, v]) => [k.slice(0, 42).toLowerCase() + k.slice(42), v])),
    maxBodyBytes: int(json, 'max_body_bytes', d.maxBodyBytes, source, 256, 16 * 1024),
    maxInFlight: int(json, 'max_in_flight', d.maxInFlight, source, 1, 10_000),
  };
}

/** Parses the JSON form (snake_case keys); missing keys take defaults, unknown keys are rejected. */
export function parseConfig(json: unknown, source = 'config'): NodeConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InvalidConfigError(source, 'not a JSON object');
  const root = json as Json;
  const known = new Set(['moniker', 'rpc', 'dashboard', 'webhooks', 'mempool', 'state', 'storage', 'consensus', 'p2p', 'query', 'verifier_threads', 'execution_workers', 'log_level']);
  for (const k of Object.keys(root)) if (!known.has(k)) throw new InvalidConfigError(source, `unknown setting "${k}"`);
  const rpc = section(root, 'rpc', source);
  const mempool = section(root, 'mempool', source);
  const state = section(root, 'state', source);
  const p2p = section(root, 'p2p', source);
  const storage = section(root, 'storage', source);
  const consensus = section(root, 'consensus', source);
  const query = section(root, 'query', source);
  const dashboard = section(root, 'dashboard', source);
  const webhooks = section(root, 'webhooks', source);
  const timeoutsJson = section(consensus, 'timeouts', source);
  const timeouts: Partial<TimeoutParams> = {};
  for (const [json, field] of TIMEOUT_JSON_NAMES) {
    if (timeoutsJson[json] !== undefined) timeouts[field] = int(timeoutsJson, json, 0, source, 0, 3_600_000);
  }
  for (const k of Object.keys(timeoutsJson)) if (!TIMEOUT_JSON_NAMES.some(([json]) => json === k)) throw new InvalidConfigError(source, `unknown setting "consensus.timeouts.${k}"`);
  const d = DEFAULT_CONFIG;
  const logLevel = root.log_level ?? d.logLevel;
  if (typeof logLevel !== 'string' || !LOG_LEVELS.includes(logLevel)) throw new InvalidConfigError(source, `log_level must be one of ${LOG_LEVELS.join(', ')}`);
  const host = rpc.host ?? d.rpc.host;
  if (typeof host !== 'string') throw new InvalidConfigError(source, 'rpc.host must be a string');
  const maxResponseBytes = int(rpc, 'max_response_bytes', d.rpc.maxResponseBytes, source, 64 * 1024);
  const websocketWriteBufferBytes = int(rpc, 'websocket_write_buffer_bytes', Math.max(d.rpc.websocketWriteBufferBytes, maxResponseBytes), source, 64 * 1024);
  // A client must be able to receive the largest answer the node will send it.
  if (websocketWriteBufferBytes < maxResponseBytes) throw new InvalidConfigError(source, 'rpc.websocket_write_buffer_bytes must be at least rpc.max_response_bytes');
  const maxQueuedBytes = int(rpc, 'max_queued_bytes', Math.max(d.rpc.maxQueuedBytes, maxResponseBytes), source, 64 * 1024);
  if (maxQueuedBytes < maxResponseBytes) throw new InvalidConfigError(source, 'rpc.max_queued_bytes must be at least rpc.max_response_bytes');
  const p2pHost = p2p.host ?? d.p2p.host;
  // libp2p listens on an address, not a name: refused here, naming this file, not at start by the p2p layer.
  if (typeof p2pHost !== 'string' || isIP(p2pHost) === 0) throw new InvalidConfigError(source, 'p2p.host must be an IP address, e.g. 127.0.0.1 or 0.0.0.0');
  const peers = p2p.persistent_peers ?? d.p2p.persistentPeers;
  if (!Array.isArray(peers) || peers.some((x) => typeof x !== 'string' || !/^\/(ip4|ip6|dns4|dns6|dns)\/.+\/p2p\/\w+$/.test(x))) {
    throw new InvalidConfigError(source, 'p2p.persistent_peers must be a list of multiaddrs like /ip4/127.0.0.1/tcp/26656/p2p/<peer id>');
  }
  if (root.moniker !== undefined && typeof root.moniker !== 'string') throw new InvalidConfigError(source, 'moniker must be a string');
  const config: NodeConfig = {
    moniker: typeof root.moniker === 'string' ? root.moniker : d.moniker,
    rpc: {
      host,
      port: int(rpc, 'port', d.rpc.port, source, 0, 65535),
      maxBodyBytes: int(rpc, 'max_body_bytes', d.rpc.maxBodyBytes, source, 1024),
      maxBatchRequests: int(rpc, 'max_batch_requests', d.rpc.maxBatchRequests, source, 1),
      maxResponseBytes,
      websocketWriteBufferBytes,
      maxQueuedBytes,
      writeTimeoutMs: int(rpc, 'write_timeout_ms', d.rpc.writeTimeoutMs, source, 100),
      maxOpenConnections: int(rpc, 'max_open_connections', d.rpc.maxOpenConnections, source, 1),
      maxSubscriptionsPerClient: int(rpc, 'max_subscriptions_per_client', d.rpc.maxSubscriptionsPerClient, source, 1),
      maxSubscriptions: int(rpc, 'max_subscriptions', d.rpc.maxSubscriptions, source, 1),
      timeoutBroadcastTxCommitMs: int(rpc, 'timeout_broadcast_tx_commit_ms', d.rpc.timeoutBroadcastTxCommitMs, source, 1),
      corsAllowedOrigins: corsOrigins(rpc.cors_allowed_origins ?? d.rpc.corsAllowedOrigins, source),
    },
    dashboard: parseDashboard(dashboard, source),
    webhooks: parseWebhooks(webhooks, source),
    mempool: {
      maxTxs: int(mempool, 'max_txs', d.mempool.maxTxs, source, 1),
      maxBytes: int(mempool, 'max_bytes', d.mempool.maxBytes, source, 1),
      cacheSize: int(mempool, 'cache_size', d.mempool.cacheSize, source, 0),
      maxBlocks: int(mempool, 'max_blocks', d.mempool.maxBlocks, source, 0, 1000),
    },
    state: { keepRecent: int(state, 'keep_recent', d.state.keepRecent, source, 0) },
    storage: { retainBlocks: int(storage, 'retain_blocks', d.storage.retainBlocks, source, 0) },
    consensus: { timeouts },
    p2p: {
      host: p2pHost,
      port: int(p2p, 'port', d.p2p.port, source, 0, 65535),
      persistentPeers: peers as string[],
      maxPeers: int(p2p, 'max_peers', d.p2p.maxPeers, source, 1, 10_000),
      maxInlineBlockBytes: int(p2p, 'max_inline_block_bytes', d.p2p.maxInlineBlockBytes, source, 0),
    },
    query: {
      gasLimit: int(query, 'gas_limit', d.query.gasLimit, source, 100_000),
      maxPerClient: int(query, 'max_per_client', d.query.maxPerClient, source, 1),
      maxPerBatch: int(query, 'max_per_batch', d.query.maxPerBatch, source, 1),
      maxQueued: int(query, 'max_queued', d.query.maxQueued, source, 1),
    },
    verifierThreads: int(root, 'verifier_threads', d.verifierThreads, source, 0, 256),
    executionWorkers: root.execution_workers === 'auto' ? 'auto' : root.execution_workers === undefined ? d.executionWorkers : int(root, 'execution_workers', 0, source, 0, 256),
    logLevel: logLevel as NodeConfig['logLevel'],
  };
  rejectUnknownSettings(root, config, source);
  return config;
}

/** A misspelt setting would silently take its default: every key of a section must be one the node writes back. */
function rejectUnknownSettings(root: Json, config: NodeConfig, source: string): void {
  const written = configToJson(config);
  for (const name of ['rpc', 'dashboard', 'webhooks', 'mempool', 'state', 'storage', 'p2p', 'consensus', 'query'] as const) {
    const known = written[name] as Json;
    for (const k of Object.keys(section(root, name, source))) {
      if (!(k in known)) throw new InvalidConfigError(source, `unknown setting "${name}.${k}"`);
    }
  }
}

export function configToJson(config: NodeConfig): Json {
  return {
    moniker: config.moniker,
    rpc: {
      host: config.rpc.host,
      port: config.rpc.port,
      max_body_bytes: config.rpc.maxBodyBytes,
      max_batch_requests: config.rpc.maxBatchRequests,
      max_response_bytes: config.rpc.maxResponseBytes,
      websocket_write_buffer_bytes: config.rpc.websocketWriteBufferBytes,
      max_queued_bytes: config.rpc.maxQueuedBytes,
      write_timeout_ms: config.rpc.writeTimeoutMs,
      max_open_connections: config.rpc.maxOpenConnections,
      max_subscriptions_per_client: config.rpc.maxSubscriptionsPerClient,
      max_subscriptions: config.rpc.maxSubscriptions,
      timeout_broadcast_tx_commit_ms: config.rpc.timeoutBroadcastTxCommitMs,
      cors_allowed_origins: config.rpc.corsAllowedOrigins,
    },
    dashboard: { enabled: config.dashboard.enabled, nodes: config.dashboard.nodes, traces_dir: config.dashboard.tracesDir },
    webhooks: {
      enabled: config.webhooks.enabled,
      host: config.webhooks.host,
      port: config.webhooks.port,
      attester_key: config.webhooks.attesterKey,
      secrets: config.webhooks.secrets,
      max_body_bytes: config.webhooks.maxBodyBytes,
      max_in_flight: config.webhooks.maxInFlight,
    },
    mempool: { max_txs: config.mempool.maxTxs, max_bytes: config.mempool.maxBytes, cache_size: config.mempool.cacheSize, max_blocks: config.mempool.maxBlocks },
    state: { keep_recent: config.state.keepRecent },
    storage: { retain_blocks: config.storage.retainBlocks },
    consensus: { timeouts: Object.fromEntries(TIMEOUT_JSON_NAMES.filter(([, f]) => config.consensus.timeouts[f] !== undefined).map(([json, f]) => [json, config.consensus.timeouts[f]])) },
    p2p: {
      host: config.p2p.host,
      port: config.p2p.port,
      persistent_peers: config.p2p.persistentPeers,
      max_peers: config.p2p.maxPeers,
      max_inline_block_bytes: config.p2p.maxInlineBlockBytes,
    },
    query: { gas_limit: config.query.gasLimit, max_per_client: config.query.maxPerClient, max_per_batch: config.query.maxPerBatch, max_queued: config.query.maxQueued },
    verifier_threads: config.verifierThreads,
    execution_workers: config.executionWorkers,
    log_level: config.logLevel,
  };
}

export async function readConfigFile(path: string): Promise<NodeConfig> {
  let text: string;
  try {
    text = await readStartFile(path, START_FILE_MAX_BYTES.config);
  } catch (err) {
    // Only a file that is not there at all means the defaults; a symlink to nothing is a mistake.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(await lstat(path).catch(() => undefined))) return DEFAULT_CONFIG;
    throw new InvalidConfigError(path, `cannot read (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidConfigError(path, `not valid JSON (${(err as Error).message})`);
  }
  return parseConfig(json, path);
}

export async function writeConfigFile(path: string, config: NodeConfig): Promise<void> {
  await writeFile(path, JSON.stringify(configToJson(config), null, 2) + '\n');
}
