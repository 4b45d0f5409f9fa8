/**
 * Scenario files (spec/faults.md): YAML with snake_case keys, read into the camelCase
 * `Scenario` of scenario-types.ts. Strict: an unknown key, a wrong type or an impossible
 * timeline is an `InvalidScenarioError` naming the file, the YAML path (`faults[2].groups`)
 * and the line and column, so that a typo never silently falls back to a default.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type YAMLError } from 'yaml';
import { CmtError } from '../codec/errors.js';
import { MAX_TOTAL_VOTING_POWER } from '../consensus/validator-set.js';
import { MAX_MEMO_BYTES } from '../codec/tx.js';
import { TIMEOUT_JSON_NAMES } from '../codec/params.js';
import {
  BYZANTINE_STRATEGIES,
  MESSAGE_KINDS,
  TRIGGER_STEPS,
  type ByzantineStrategyName,
  type DelaySpec,
  type DiskDamage,
  type FaultEvent,
  type FaultTiming,
  type LinkBehaviour,
  type MessageFilter,
  type ProtocolTrigger,
  type Scenario,
  type ScenarioDelegation,
  type ScenarioLoad,
  type ScenarioNode,
  type ScenarioValidator,
} from './scenario-types.js';

export class InvalidScenarioError extends CmtError {
  /** The file (or other source name) the scenario came from. */
  readonly source: string;
  /** The YAML path of the offending value, e.g. `faults[2].groups`; '' for the whole document. */
  readonly path: string;
  /** 1-based line and column of the offending value, where known. */
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(source: string, path: string, message: string, pos?: { line: number; col: number }, options?: { cause?: unknown }) {
    const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
    super('INVALID_SCENARIO', `${where}: ${path ? `${path}: ` : ''}${message}`, options);
    this.source = source;
    this.path = path;
    this.line = pos?.line;
    this.column = pos?.col;
  }
}

export const DEFAULT_SEED = 1;
export const DEFAULT_LIVENESS_BOUND_MS = 30_000;
export const DEFAULT_NETWORK: LinkBehaviour = Object.freeze({
  delay: Object.freeze({ kind: 'uniform', minMs: 5, maxMs: 20 }) as DelaySpec,
  drop: 0,
  duplicate: 0,
});
/** Round timeouts in a scenario are bounded as in a node's config. */
const MAX_TIMEOUT_MS = 3_600_000;
export const MAX_SCENARIO_CHARS = 1_048_576;
/** Validators and nodes together: each one is a whole node in the simulator, so a file must not ask for thousands. */
export const MAX_SCENARIO_NODES = 200;
/** Load: transfers per second and memo bytes per transfer (a block's size follows from both). */
export const MAX_TXS_PER_SECOND = 10_000;
/** The bound is a transfer's own (codec/tx.ts): a larger memo would make the load build a transaction the codec refuses. */
export { MAX_MEMO_BYTES };
export const DEFAULT_TXS_PER_SECOND = 16;
/** A clock that gains or loses a tenth of its time is far past any real oscillator. */
export const MAX_DRIFT_PPM = 100_000;
/** Heights and rounds in triggers and filters: far beyond any run, and exact in a double. */
const MAX_HEIGHT = 1_000_000_000;
const MAX_ROUND = 1_000_000;

/** Reads and validates a scenario file. */
export async function loadScenario(path: string): Promise<Scenario> {
  return (await readScenarioFile(path)).scenario;
}

/** The file's text with the scenario it holds (a trace file keeps the text, so replay checks it again). */
export async function readScenarioFile(path: string): Promise<{ text: string; scenario: Scenario }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidScenarioError(path, '', `cannot read the scenario file: ${(err as Error).message}`, undefined, { cause: err });
  }
  return { text, scenario: parseScenario(text, path) };
}

/**
 * Parses and validates scenario YAML. `source` names the text in errors (a file path) and
 * gives the default `name` (its base name without extension).
 */
export function parseScenario(text: string, source: string): Scenario {
  // Far above any scenario a person writes or shrink makes; keeps a hostile file from costing the parser (and the run) without bound.
  if (text.length > MAX_SCENARIO_CHARS) throw new InvalidScenarioError(source, '', `the scenario is ${text.length} characters long; at most ${MAX_SCENARIO_CHARS}`);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  const problem: YAMLError | undefined = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const message = problem.code === 'MULTIPLE_DOCS' ? 'a scenario file holds one YAML document, not several' : problem.message;
    throw new InvalidScenarioError(source, '', `not valid YAML: ${message}`, lineCounter.linePos(problem.pos[0]));
  }
  return new ScenarioReader(source, doc, lineCounter).scenario();
}

// ---------------------------------------------------------------------------------------------

/** A YAML node as the document holds it (aliases already resolved). */
type YNode = unknown;
/** A value at a YAML path. `node` is null for a key written with no value. */
interface At {
  node: YNode;
  path: string;
}

const TOP_KEYS = ['name', 'seed', 'duration_ms', 'validators', 'nodes', 'network', 'faults', 'delegations', 'load', 'liveness_bound_ms', 'timeouts'] as const;
const DELEGATION_KEYS = ['at', 'to', 'amount', 'action'] as const;
const DELEGATION_ACTIONS = ['delegate', 'unbond'] as const;
const NODE_KEYS = ['name', 'twin_of', 'start_at'] as const;
const LOAD_KEYS = ['txs_per_second', 'memo_bytes'] as const;
const TRIGGER_KEYS = ['node', 'height', 'round', 'step', 'proposer'] as const;
const FILTER_KEYS = ['kinds', 'from', 'to', 'signer', 'heights', 'rounds'] as const;
const DISK_KEYS = ['wal', 'sign_state'] as const;
const WAL_DAMAGE = ['truncate', 'corrupt'] as const;
/** Far above any stake a scenario needs; keeps the sum of stakes a safe integer of power. */
const MAX_DELEGATION = 1_000_000_000;
const VALIDATOR_KEYS = ['name', 'power', 'byzantine', 'start_at'] as const;
const BEHAVIOUR_KEYS = ['delay', 'drop', 'duplicate'] as const;
/** Keys every fault may have: its type, when it may start, a protocol trigger and a length. */
const TIMING_KEYS = ['type', 'at', 'when', 'for_ms'] as const;
const FAULT_KEYS = {
  partition: [...TIMING_KEYS, 'until', 'groups'],
  link: [...TIMING_KEYS, 'until', 'from', 'to', 'one_way', ...BEHAVIOUR_KEYS],
  crash: [...TIMING_KEYS, 'node', 'restart_at', 'disk'],
  pause: [...TIMING_KEYS, 'until', 'node'],
  clock_skew: [...TIMING_KEYS, 'node', 'skew_ms'],
  clock_drift: [...TIMING_KEYS, 'node', 'ppm'],
  network: [...TIMING_KEYS, 'until', ...BEHAVIOUR_KEYS],
  messages: [...TIMING_KEYS, 'until', 'filter', ...BEHAVIOUR_KEYS],
  slow_disk: [...TIMING_KEYS, 'until', 'node', 'fsync_ms'],
  slow_cpu: [...TIMING_KEYS, 'until', 'node', 'ms_per_event'],
} as const;
/** Clock faults change a node for the rest of the run: they have no end. */
const ENDLESS: readonly FaultFileType[] = ['clock_skew', 'clock_drift'];
type FaultFileType = keyof typeof FAULT_KEYS;
type FaultKey = (typeof FAULT_KEYS)[FaultFileType][number];
const FAULT_TYPES = Object.keys(FAULT_KEYS) as FaultFileType[];
const DELAY_FORMS = 'a number of ms, { fixed: MS }, { uniform: [MIN_MS, MAX_MS] } or { exponential: { min_ms: MIN, mean_ms: MEAN } }';

const child = (path: string, key: string): string => (path ? `${path}.${key}` : key);
const item = (path: string, i: number): string => `${path}[${i}]`;

/** The names a scenario defines, by what they may be named as. */
interface Names {
  /** Every node: validators, then full nodes and twins. */
  all: Set<string>;
  validators: Set<string>;
  /** Nodes that sign votes, each to the validator whose key it signs with: a validator to itself, a twin to its validator (a full node signs nothing). */
  signers: Map<string, string>;
}
const quoteList = (xs: readonly string[]): string => xs.map((x) => `"${x}"`).join(', ');

class ScenarioReader {
  constructor(
    private readonly source: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  scenario(): Scenario {
    const root: At = { node: this.doc.contents, path: '' };
    if (root.node === null || (isScalar(root.node) && root.node.value === null)) this.fail(root, 'the scenario is empty');
    const top = this.mapping(root, TOP_KEYS, 'the scenario');

    const durationMs = this.int(this.required(root, top, 'duration_ms'), 1);
    const seen = new Map<string, string>();
    const validatorsAt = this.required(root, top, 'validators');
    const validators = this.validators(validatorsAt, seen, durationMs);
    const validatorNames = new Set(validators.map((v) => v.name));
    const nodes = top.nodes ? this.seq(top.nodes).map((n) => this.node(n, seen, validatorNames, durationMs)) : [];
    if (validators.length + nodes.length > MAX_SCENARIO_NODES) this.fail(top.nodes ?? validatorsAt, `at most ${MAX_SCENARIO_NODES} validators and nodes together`);
    const names: Names = {
      all: new Set([...validatorNames, ...nodes.map((n) => n.name)]),
      validators: validatorNames,
      signers: new Map([...[...validatorNames].map((v): [string, string] => [v, v]), ...nodes.flatMap((n): [string, string][] => (n.twinOf === undefined ? [] : [[n.name, n.twinOf]]))]),
    };
    const network = top.network ? { ...DEFAULT_NETWORK, ...this.behaviour(this.mapping(top.network, BEHAVIOUR_KEYS, 'network')) } : { ...DEFAULT_NETWORK };
    const faults = top.faults ? this.seq(top.faults).map((f) => this.fault(f, names, durationMs)) : [];
    const delegations = top.delegations ? this.seq(top.delegations).map((d) => this.delegation(d, validatorNames, durationMs)) : [];
    const load = top.load ? this.load(top.load) : undefined;

    return {
      name: top.name ? this.str(top.name) : defaultName(this.source),
      seed: top.seed ? this.int(top.seed, 0) : DEFAULT_SEED,
      durationMs,
      validators,
      network,
      faults,
      livenessBoundMs: top.liveness_bound_ms ? this.int(top.liveness_bound_ms, 1) : DEFAULT_LIVENESS_BOUND_MS,
      timeouts: top.timeouts ? this.timeouts(top.timeouts) : {},
      ...(delegations.length > 0 ? { delegations } : {}),
      ...(nodes.length > 0 ? { nodes } : {}),
      ...(load ? { load } : {}),
    };
  }

  /** A full node, or a twin of a validator (`twin_of`): its name is unique among validators and nodes. */
  private node(at: At, seen: Map<string, string>, validators: Set<string>, durationMs: number): ScenarioNode {
    const m = this.mapping(at, NODE_KEYS, 'a node');
    const out: ScenarioNode = { name: this.newName(this.required(at, m, 'name'), seen, 'node') };
    if (m.twin_of) {
      const twinOf = this.str(m.twin_of);
      if (!validators.has(twinOf)) this.fail(m.twin_of, `twin_of names a validator, and no validator is named "${twinOf}"`);
      out.twinOf = twinOf;
    }
    if (m.start_at) out.startAt = this.startAt(m.start_at, durationMs);
    return out;
  }

  private startAt(at: At, durationMs: number): number {
    const v = this.int(at, 0);
    if (v >= durationMs) this.fail(at, `start_at (${v}) is not before the end of the run (duration_ms ${durationMs})`);
    return v;
  }

  /** A validator's or node's name: non-empty, no white space, not used before. */
  private newName(nameAt: At, seen: Map<string, string>, what: 'validator' | 'node'): string {
    const name = this.str(nameAt);
    if (name.trim() === '') this.fail(nameAt, `a ${what} name must not be empty`);
    if (/\s/.test(name)) this.fail(nameAt, `a ${what} name must not contain white space: "${name}"`);
    const first = seen.get(name);
    if (first !== undefined) this.fail(nameAt, `duplicate ${what} name "${name}" (also at ${first}): validators and nodes share one set of names`);
    seen.set(name, nameAt.path);
    return name;
  }

  private load(at: At): ScenarioLoad {
    const m = this.mapping(at, LOAD_KEYS, 'load');
    const out: ScenarioLoad = { txsPerSecond: m.txs_per_second ? this.int(m.txs_per_second, 0, MAX_TXS_PER_SECOND) : DEFAULT_TXS_PER_SECOND };
    if (m.memo_bytes) out.memoBytes = this.int(m.memo_bytes, 0, MAX_MEMO_BYTES);
    return out;
  }

  private delegation(at: At, names: Set<string>, durationMs: number): ScenarioDelegation {
    const m = this.mapping(at, DELEGATION_KEYS, 'a delegation');
    const atMsAt = this.required(at, m, 'at');
    const atMs = this.int(atMsAt, 0);
    if (atMs >= durationMs) this.fail(atMsAt, `the delegation is at ${atMs}, not before the end of the run (duration_ms ${durationMs})`);
    const toAt = this.required(at, m, 'to');
    const to = this.str(toAt);
    if (!names.has(to)) this.fail(toAt, `no validator is named "${to}"`);
    const out: ScenarioDelegation = { at: atMs, to, amount: this.int(this.required(at, m, 'amount'), 1, MAX_DELEGATION) };
    if (m.action) out.action = this.oneOf(m.action, DELEGATION_ACTIONS, 'delegation action');
    return out;
  }

  private validators(at: At, seen: Map<string, string>, durationMs: number): ScenarioValidator[] {
    const items = this.seq(at);
    if (items.length === 0) this.fail(at, 'at least one validator is needed');
    if (items.length > MAX_SCENARIO_NODES) this.fail(at, `at most ${MAX_SCENARIO_NODES} validators and nodes together`);
    let total = 0;
    const out = items.map((v): ScenarioValidator => {
      const m = this.mapping(v, VALIDATOR_KEYS, 'a validator');
      const name = this.newName(this.required(v, m, 'name'), seen, 'validator');
      const power = this.int(this.required(v, m, 'power'), 1);
      total += power;
      if (total > MAX_TOTAL_VOTING_POWER) this.fail(at, `the total voting power exceeds ${MAX_TOTAL_VOTING_POWER}`);
      const out: ScenarioValidator = { name, power };
      if (m.byzantine) {
        const allowed = [...BYZANTINE_STRATEGIES, 'random'] as const;
        out.byzantine = this.oneOf(m.byzantine, allowed, 'Byzantine strategy') as ByzantineStrategyName | 'random';
      }
      if (m.start_at) out.startAt = this.startAt(m.start_at, durationMs);
      return out;
    });
    return out;
  }

  private fault(at: At, names: Names, durationMs: number): FaultEvent {
    const loose = this.mapping(at, null, 'a fault');
    const type = this.oneOf(this.required(at, loose, 'type'), FAULT_TYPES, 'fault type') as FaultFileType;
    const m = this.mapping(at, FAULT_KEYS[type], `a ${type} fault`) as Partial<Record<FaultKey, At>>;

    const when = m.when ? this.trigger(m.when, names) : undefined;
    // A triggered fault waits for its position from `at` on: from the start unless told otherwise.
    const atMs = when && !m.at ? 0 : this.int(this.required(at, m, 'at'), 0);
    if (atMs >= durationMs) this.fail(m.at ?? at, `the fault starts at ${atMs}, not before the end of the run (duration_ms ${durationMs})`);
    const endKey = type === 'crash' ? 'restart_at' : 'until';
    if (m.for_ms && ENDLESS.includes(type)) this.fail(m.for_ms, `a ${type} fault lasts for the rest of the run: it takes no "for_ms"`);
    if (when && m[endKey]) this.fail(m[endKey], `a fault with "when" starts at a protocol position, not a known time: give its length as "for_ms", not "${endKey}"`);
    if (m.for_ms && m[endKey]) this.fail(m.for_ms, `give either "${endKey}" or "for_ms", not both`);
    const forMs = m.for_ms ? this.int(m.for_ms, 1) : undefined;
    const endAfter = (key: 'until' | 'restart_at'): number | undefined => {
      const endAt = m[key];
      if (!endAt) return undefined;
      const end = this.int(endAt, 0);
      if (end <= atMs) this.fail(endAt, `${key} (${end}) must be after at (${atMs})`);
      return end;
    };
    const timing: FaultTiming = { ...(when ? { when } : {}), ...(forMs !== undefined ? { forMs } : {}) };
    const node = (key: 'node' | 'from' | 'to'): string => this.name(this.required(at, m, key), names.all, 'validator or node');
    const behaviour = (): Partial<LinkBehaviour> => {
      const b = this.behaviour(m);
      if (Object.keys(b).length === 0) this.fail(at, `a ${type} fault needs at least one of "delay", "drop", "duplicate"`);
      return b;
    };

    switch (type) {
      case 'partition': {
        const until = endAfter('until');
        const groups = this.groups(this.required(at, m, 'groups'), names.all);
        return { type: 'partition', at: atMs, ...(until !== undefined ? { until } : {}), groups, ...timing };
      }
      case 'link': {
        const until = endAfter('until');
        const from = node('from');
        const to = node('to');
        if (from === to) this.fail(m.to!, `a link joins two different nodes, not "${from}" to itself`);
        const oneWay = m.one_way ? this.bool(m.one_way) : false;
        return { type: 'link', at: atMs, ...(until !== undefined ? { until } : {}), from, to, oneWay, behaviour: behaviour(), ...timing };
      }
      case 'crash': {
        const n = node('node');
        const restartAt = endAfter('restart_at');
        const disk = m.disk ? this.disk(m.disk, atMs, restartAt !== undefined || forMs !== undefined) : undefined;
        return { type: 'crash', at: atMs, node: n, ...(restartAt !== undefined ? { restartAt } : {}), ...(disk ? { disk } : {}), ...timing };
      }
      case 'pause': {
        const until = endAfter('until');
        if (until === undefined && forMs === undefined) {
          const key = when ? 'for_ms' : 'until';
          this.fail({ node: at.node, path: child(at.path, key) }, `missing required key "${key}"${when ? '' : ' (or "for_ms")'}: a pause ends (a node stopped for good is a crash)`);
        }
        return { type: 'pause', at: atMs, until: until ?? atMs + (forMs as number), node: node('node'), ...timing };
      }
      case 'clock_skew': {
        const n = node('node');
        const skewMs = this.int(this.required(at, m, 'skew_ms'), -Number.MAX_SAFE_INTEGER);
        return { type: 'clockSkew', at: atMs, node: n, skewMs, ...timing };
      }
      case 'clock_drift': {
        const n = node('node');
        const ppm = this.int(this.required(at, m, 'ppm'), -MAX_DRIFT_PPM, MAX_DRIFT_PPM);
        return { type: 'clockDrift', at: atMs, node: n, ppm, ...timing };
      }
      case 'network': {
        const until = endAfter('until');
        return { type: 'network', at: atMs, ...(until !== undefined ? { until } : {}), behaviour: behaviour(), ...timing };
      }
      case 'messages': {
        const until = endAfter('until');
        const filter = this.filter(this.required(at, m, 'filter'), names);
        return { type: 'messages', at: atMs, ...(until !== undefined ? { until } : {}), filter, behaviour: behaviour(), ...timing };
      }
      case 'slow_disk': {
        const until = endAfter('until');
        const fsyncMs = this.int(this.required(at, m, 'fsync_ms'), 1, MAX_TIMEOUT_MS);
        return { type: 'slowDisk', at: atMs, ...(until !== undefined ? { until } : {}), node: node('node'), fsyncMs, ...timing };
      }
      case 'slow_cpu': {
        const until = endAfter('until');
        const msPerEvent = this.int(this.required(at, m, 'ms_per_event'), 1, MAX_TIMEOUT_MS);
        return { type: 'slowCpu', at: atMs, ...(until !== undefined ? { until } : {}), node: node('node'), msPerEvent, ...timing };
      }
    }
  }

  /** A name that must be in `known` (`what` says which kind of name, for the message). */
  private name(at: At, known: Set<string>, what: string): string {
    const name = this.str(at);
    if (!known.has(name)) this.fail(at, `no ${what} is named "${name}"`);
    return name;
  }

  /** `when:` — a protocol position; names must exist, and the proposer is a validator. */
  private trigger(at: At, names: Names): ProtocolTrigger {
    const m = this.mapping(at, TRIGGER_KEYS, 'a trigger ("when")');
    const out: ProtocolTrigger = { height: this.int(this.required(at, m, 'height'), 1, MAX_HEIGHT) };
    if (m.node) out.node = this.name(m.node, names.all, 'validator or node');
    if (m.round) out.round = this.int(m.round, 0, MAX_ROUND);
    if (m.step) out.step = this.oneOf(m.step, TRIGGER_STEPS, 'step');
    if (m.proposer) out.proposer = this.name(m.proposer, names.validators, 'validator');
    return out;
  }

  private filter(at: At, names: Names): MessageFilter {
    const m = this.mapping(at, FILTER_KEYS, 'a message filter');
    const out: MessageFilter = {};
    if (m.kinds) out.kinds = this.uniqueList(m.kinds, (k) => this.oneOf(k, MESSAGE_KINDS, 'message kind'));
    if (m.from) out.from = this.uniqueList(m.from, (n) => this.name(n, names.all, 'validator or node'));
    if (m.to) out.to = this.uniqueList(m.to, (n) => this.name(n, names.all, 'validator or node'));
    if (m.signer) {
      // A signer is a key: a twin's messages carry its validator's signature, so naming the twin names that validator.
      const written = new Map<string, string>();
      out.signer = this.uniqueList(m.signer, (n) => {
        const name = this.name(n, names.all, 'validator or node');
        const key = names.signers.get(name);
        if (key === undefined) this.fail(n, `"${name}" is a full node: it signs nothing (a signer is a validator or a twin)`);
        const before = written.get(key);
        if (before !== undefined && before !== name) this.fail(n, `"${name}" signs with "${key}"'s key, and "${before}" already names it`);
        written.set(key, name);
        return key;
      });
    }
    if (m.heights) out.heights = this.range(m.heights, 1, MAX_HEIGHT);
    if (m.rounds) out.rounds = this.range(m.rounds, 0, MAX_ROUND);
    return out;
  }

  /** A non-empty list without repeats. */
  private uniqueList<T>(at: At, read: (item: At) => T): T[] {
    const items = this.seq(at);
    if (items.length === 0) this.fail(at, 'the list must not be empty (leave the key out to match anything)');
    const out: T[] = [];
    for (const i of items) {
      const v = read(i);
      if (out.includes(v)) this.fail(i, `${JSON.stringify(v)} is listed twice`);
      out.push(v);
    }
    return out;
  }

  /** `{ min, max }` (inclusive), or one number N for `{ min: N, max: N }`. */
  private range(at: At, lo: number, hi: number): { min: number; max: number } {
    if (isScalar(at.node)) {
      const n = this.int(at, lo, hi);
      return { min: n, max: n };
    }
    const m = this.mapping(at, ['min', 'max'], 'a range');
    const min = this.int(this.required(at, m, 'min'), lo, hi);
    const maxAt = this.required(at, m, 'max');
    const max = this.int(maxAt, lo, hi);
    if (max < min) this.fail(maxAt, `the maximum (${max}) is below the minimum (${min})`);
    return { min, max };
  }

  /** `disk:` of a crash: what the node finds on its disk when it restarts. */
  private disk(at: At, atMs: number, restarts: boolean): DiskDamage {
    if (!restarts) this.fail(at, 'disk damage shows only when the node restarts: give the crash "restart_at" or "for_ms"');
    const m = this.mapping(at, DISK_KEYS, 'disk damage');
    const out: DiskDamage = {};
    if (m.wal) out.wal = this.oneOf(m.wal, WAL_DAMAGE, 'WAL damage');
    if (m.sign_state) {
      if (isScalar(m.sign_state.node)) {
        this.oneOf(m.sign_state, ['lost'] as const, 'sign-state damage');
        out.signState = 'lost';
      } else {
        const b = this.mapping(m.sign_state, ['backup_at'], 'sign-state damage ("lost" or { backup_at: MS })');
        const backupAt = this.required(m.sign_state, b, 'backup_at');
        const v = this.int(backupAt, 0);
        if (v >= atMs) this.fail(backupAt, `the backup (${v}) must be older than the crash (at ${atMs})`);
        out.signState = { backupAt: v };
      }
    }
    if (out.wal === undefined && out.signState === undefined) this.fail(at, 'disk damage needs "wal" or "sign_state"');
    return out;
  }

  /**
   * Partition groups: non-empty, disjoint, of known nodes. Nodes listed in no group form one
   * more group, appended here, so that the result always lists every node (validators, then
   * full nodes and twins) exactly once.
   */
  private groups(at: At, names: Set<string>): string[][] {
    const groupAts = this.seq(at);
    if (groupAts.length === 0) this.fail(at, 'a partition needs at least one group');
    const placed = new Map<string, number>();
    const groups = groupAts.map((g, gi) => {
      const members = this.seq(g);
      if (members.length === 0) this.fail(g, 'a partition group must not be empty');
      return members.map((n) => {
        const name = this.str(n);
        if (!names.has(name)) this.fail(n, `no validator or node is named "${name}"`);
        const other = placed.get(name);
        if (other !== undefined) {
          this.fail(n, other === gi ? `"${name}" is listed twice in this group` : `groups overlap: "${name}" is in groups ${other} and ${gi}`);
        }
        placed.set(name, gi);
        return name;
      });
    });
    const rest = [...names].filter((n) => !placed.has(n));
    if (rest.length > 0) groups.push(rest);
    if (groups.length < 2) this.fail(at, 'the partition separates nothing: every node is in one group');
    return groups;
  }

  /** The `delay`, `drop`, `duplicate` keys of a mapping, only those present. */
  private behaviour(m: Partial<Record<string, At>>): Partial<LinkBehaviour> {
    const out: Partial<LinkBehaviour> = {};
    if (m.delay) out.delay = this.delay(m.delay);
    if (m.drop) out.drop = this.probability(m.drop);
    if (m.duplicate) out.duplicate = this.probability(m.duplicate);
    return out;
  }

  private delay(at: At): DelaySpec {
    if (isScalar(at.node) && typeof at.node.value === 'number') return { kind: 'fixed', ms: this.int(at, 0) };
    if (!isMap(at.node)) this.fail(at, `a delay is ${DELAY_FORMS}`);
    const m = this.mapping(at, ['fixed', 'uniform', 'exponential'], 'a delay');
    const forms = Object.keys(m);
    if (forms.length !== 1) this.fail(at, `a delay has exactly one of "fixed", "uniform", "exponential": ${DELAY_FORMS}`);
    if (m.fixed) return { kind: 'fixed', ms: this.int(m.fixed, 0) };
    if (m.uniform) {
      const bounds = this.seq(m.uniform);
      if (bounds.length !== 2) this.fail(m.uniform, 'a uniform delay is [MIN_MS, MAX_MS]');
      const minMs = this.int(bounds[0]!, 0);
      const maxMs = this.int(bounds[1]!, 0);
      if (maxMs < minMs) this.fail(bounds[1]!, `the maximum (${maxMs}) is below the minimum (${minMs})`);
      return { kind: 'uniform', minMs, maxMs };
    }
    const e = this.mapping(m.exponential!, ['min_ms', 'mean_ms'], 'an exponential delay');
    return { kind: 'exponential', minMs: this.int(this.required(m.exponential!, e, 'min_ms'), 0), meanMs: this.int(this.required(m.exponential!, e, 'mean_ms'), 1) };
  }

  private timeouts(at: At): Scenario['timeouts'] {
    const names = TIMEOUT_JSON_NAMES.map(([json]) => json);
    const m = this.mapping(at, names, 'timeouts');
    const out: Scenario['timeouts'] = {};
    for (const [json, field] of TIMEOUT_JSON_NAMES) {
      const v = m[json];
      if (v) out[field] = this.int(v, 0, MAX_TIMEOUT_MS);
    }
    return out;
  }

  // --- node readers ----------------------------------------------------------------------------

  private fail(at: At, message: string): never {
    throw new InvalidScenarioError(this.source, at.path, message, this.pos(at.node));
  }

  private pos(node: YNode): { line: number; col: number } | undefined {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? this.lines.linePos(range[0]) : undefined;
  }

  private deref(node: YNode): YNode {
    return isAlias(node) ? (node.resolve(this.doc) ?? null) : node;
  }

  /**
   * The entries of a mapping by key. With `allowed`, any other key is an error (pointing at
   * the key); a key written with no value (`until:`) is an error too.
   */
  private mapping<K extends string>(at: At, allowed: readonly K[] | null, what: string): Partial<Record<K, At>> {
    const node = at.node;
    if (!isMap(node)) this.fail(at, `${what} must be a mapping of keys to values, not ${describe(node)}`);
    const out: Partial<Record<string, At>> = {};
    for (const pair of node.items) {
      const keyNode = this.deref(pair.key);
      const keyAt: At = { node: keyNode, path: at.path };
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string') this.fail(keyAt, `keys must be strings, not ${describe(keyNode)}`);
      const key = keyNode.value;
      const path = child(at.path, key);
      if (allowed && !(allowed as readonly string[]).includes(key)) {
        const hint = closest(key, allowed);
        this.fail({ node: keyNode, path }, `unknown key "${key}" in ${what}${hint ? ` (did you mean "${hint}"?)` : ''}; allowed: ${quoteList(allowed)}`);
      }
      const value = this.deref(pair.value);
      const valueAt: At = { node: value ?? keyNode, path };
      if (value === null || value === undefined || (isScalar(value) && value.value === null)) this.fail(valueAt, `"${key}" has no value`);
      out[key] = { node: value, path };
    }
    return out as Partial<Record<K, At>>;
  }

  private required<K extends string>(parent: At, m: Partial<Record<K, At>>, key: K): At {
    const v = m[key];
    if (!v) this.fail({ node: parent.node, path: child(parent.path, key) }, `missing required key "${key}"`);
    return v;
  }

  private seq(at: At): At[] {
    if (!isSeq(at.node)) this.fail(at, `expected a list, not ${describe(at.node)}`);
    return at.node.items.map((n, i) => ({ node: this.deref(n), path: item(at.path, i) }));
  }

  private str(at: At): string {
    if (!isScalar(at.node) || typeof at.node.value !== 'string') this.fail(at, `expected a string, not ${describe(at.node)}`);
    return at.node.value;
  }

  private bool(at: At): boolean {
    if (!isScalar(at.node) || typeof at.node.value !== 'boolean') this.fail(at, `expected true or false, not ${describe(at.node)}`);
    return at.node.value;
  }

  private int(at: At, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = isScalar(at.node) ? at.node.value : undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.fail(at, `expected a whole number${min === 0 ? ' ≥ 0' : min === 1 ? ' ≥ 1' : ''}, not ${describe(at.node)}`);
    if (v < min || v > max) this.fail(at, `${v} is out of range: it must be ${max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`}`);
    return v;
  }

  private probability(at: At): number {
    const v = isScalar(at.node) ? at.node.value : undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(at, `expected a probability from 0 to 1, not ${describe(at.node)}`);
    if (v < 0 || v > 1) this.fail(at, `${v} is not a probability: it must be from 0 to 1`);
    return v;
  }

  private oneOf<T extends string>(at: At, allowed: readonly T[], what: string): T {
    const v = isScalar(at.node) ? at.node.value : undefined;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      const hint = typeof v === 'string' ? closest(v, allowed) : undefined;
      this.fail(at, `unknown ${what} ${typeof v === 'string' ? `"${v}"` : describe(at.node)}${hint ? ` (did you mean "${hint}"?)` : ''}; one of: ${quoteList(allowed)}`);
    }
    return v as T;
  }
}

function defaultName(source: string): string {
  const base = basename(source);
  return base.slice(0, base.length - extname(base).length) || base || 'scenario';
}

function describe(node: YNode): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return `the string "${v}"`;
    if (typeof v === 'number') return `the number ${v}`;
    if (typeof v === 'boolean') return `${v}`;
    return `a ${typeof v}`;
  }
  return 'an unsupported value';
}

/** The allowed word nearest to a typo, if it is near enough to be a likely intent. */
function closest(word: string, allowed: readonly string[]): string | undefined {
  const snake = word.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  for (const guess of [snake, `${snake}_ms`]) if (guess !== word && allowed.includes(guess)) return guess;
  let best: string | undefined;
  let bestDist = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const a of allowed) {
    const d = editDistance(word.toLowerCase(), a.toLowerCase());
    if (d < bestDist) {
      best = a;
      bestDist = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
