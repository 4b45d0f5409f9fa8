/**
 * A Scenario written back as scenario YAML (spec/faults.md), so that a shrunk scenario is a
 * file a researcher can read, edit and run, and parses back to the same Scenario.
 */
import { stringify } from 'yaml';
import { TIMEOUT_JSON_NAMES } from '../codec/params.js';
import type { DelaySpec, DiskDamage, FaultEvent, LinkBehaviour, Scenario } from './scenario-types.js';

type Yaml = Record<string, unknown>;

function delayYaml(d: DelaySpec): unknown {
  switch (d.kind) {
    case 'fixed':
      return d.ms;
    case 'uniform':
      return { uniform: [d.minMs, d.maxMs] };
    case 'exponential':
      return { exponential: { min_ms: d.minMs, mean_ms: d.meanMs } };
  }
}

function behaviourYaml(b: Partial<LinkBehaviour>): Yaml {
  return {
    ...(b.delay !== undefined ? { delay: delayYaml(b.delay) } : {}),
    ...(b.drop !== undefined ? { drop: b.drop } : {}),
    ...(b.duplicate !== undefined ? { duplicate: b.duplicate } : {}),
  };
}

function diskYaml(d: DiskDamage): Yaml {
  return {
    ...(d.wal !== undefined ? { wal: d.wal } : {}),
    ...(d.signState !== undefined ? { sign_state: d.signState === 'lost' ? 'lost' : { backup_at: d.signState.backupAt } } : {}),
  };
}

/** The keys a fault's timing adds, and its end: `for_ms` when it has one, else `until` / `restart_at`. */
function timingYaml(f: FaultEvent): Yaml {
  return { ...(f.when !== undefined ? { when: { ...f.when } } : {}), ...(f.forMs !== undefined ? { for_ms: f.forMs } : {}) };
}

function faultYaml(f: FaultEvent): Yaml {
  // With for_ms the end is for_ms after the start; a pause's `until` is then derived from it, not written.
  const until = 'until' in f && f.until !== undefined && f.forMs === undefined ? { until: f.until } : {};
  const head = { type: FILE_TYPE[f.type], at: f.at, ...timingYaml(f) };
  switch (f.type) {
    case 'partition':
      return { ...head, ...until, groups: f.groups };
    case 'link':
      return { ...head, ...until, from: f.from, to: f.to, one_way: f.oneWay, ...behaviourYaml(f.behaviour) };
    case 'crash':
      return { ...head, node: f.node, ...(f.restartAt !== undefined ? { restart_at: f.restartAt } : {}), ...(f.disk ? { disk: diskYaml(f.disk) } : {}) };
    case 'pause':
      return { ...head, ...until, node: f.node };
    case 'clockSkew':
      return { ...head, node: f.node, skew_ms: f.skewMs };
    case 'network':
      return { ...head, ...until, ...behaviourYaml(f.behaviour) };
    case 'clockDrift':
      return { ...head, node: f.node, ppm: f.ppm };
    case 'messages':
      return { ...head, ...until, filter: { ...f.filter }, ...behaviourYaml(f.behaviour) };
    case 'slowDisk':
      return { ...head, ...until, node: f.node, fsync_ms: f.fsyncMs };
    case 'slowCpu':
      return { ...head, ...until, node: f.node, ms_per_event: f.msPerEvent };
  }
}

const FILE_TYPE: Record<FaultEvent['type'], string> = {
  partition: 'partition',
  link: 'link',
  crash: 'crash',
  pause: 'pause',
  clockSkew: 'clock_skew',
  clockDrift: 'clock_drift',
  network: 'network',
  messages: 'messages',
  slowDisk: 'slow_disk',
  slowCpu: 'slow_cpu',
};

const startAt = (x: { startAt?: number }): Yaml => (x.startAt !== undefined ? { start_at: x.startAt } : {});

export function scenarioToYaml(s: Scenario): string {
  const timeouts = Object.fromEntries(TIMEOUT_JSON_NAMES.filter(([, field]) => s.timeouts[field] !== undefined).map(([json, field]) => [json, s.timeouts[field]]));
  const doc: Yaml = {
    name: s.name,
    seed: s.seed,
    duration_ms: s.durationMs,
    liveness_bound_ms: s.livenessBoundMs,
    ...(Object.keys(timeouts).length > 0 ? { timeouts } : {}),
    validators: s.validators.map((v) => ({ name: v.name, power: v.power, ...(v.byzantine ? { byzantine: v.byzantine } : {}), ...startAt(v) })),
    ...(s.nodes && s.nodes.length > 0 ? { nodes: s.nodes.map((n) => ({ name: n.name, ...(n.twinOf !== undefined ? { twin_of: n.twinOf } : {}), ...startAt(n) })) } : {}),
    network: behaviourYaml(s.network),
    faults: s.faults.map(faultYaml),
    ...(s.delegations && s.delegations.length > 0
      ? { delegations: s.delegations.map((d) => ({ at: d.at, to: d.to, amount: d.amount, ...(d.action !== undefined ? { action: d.action } : {}) })) }
      : {}),
    ...(s.load ? { load: { txs_per_second: s.load.txsPerSecond, ...(s.load.memoBytes !== undefined ? { memo_bytes: s.load.memoBytes } : {}) } } : {}),
  };
  return stringify(doc, { flowCollectionPadding: true, collectionStyle: 'block' });
}
