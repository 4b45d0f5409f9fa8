/**
 * A Scenario written back as scenario YAML (spec/faults.md), so that a shrunk scenario is a
 * file a researcher can read, edit and run, and parses back to the same Scenario.
 */
import { stringify } from 'yaml';
import { TIMEOUT_JSON_NAMES } from '../codec/params.js';
import type { DelaySpec, FaultEvent, LinkBehaviour, Scenario } from './scenario-types.js';

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

function faultYaml(f: FaultEvent): Yaml {
  const until = 'until' in f && f.until !== undefined ? { until: f.until } : {};
  switch (f.type) {
    case 'partition':
      return { type: 'partition', at: f.at, ...until, groups: f.groups };
    case 'link':
      return { type: 'link', at: f.at, ...until, from: f.from, to: f.to, one_way: f.oneWay, ...behaviourYaml(f.behaviour) };
    case 'crash':
      return { type: 'crash', at: f.at, node: f.node, ...(f.restartAt !== undefined ? { restart_at: f.restartAt } : {}) };
    case 'pause':
      return { type: 'pause', at: f.at, until: f.until, node: f.node };
    case 'clockSkew':
      return { type: 'clock_skew', at: f.at, node: f.node, skew_ms: f.skewMs };
    case 'network':
      return { type: 'network', at: f.at, ...until, ...behaviourYaml(f.behaviour) };
    case 'clockDrift':
      return { type: 'clock_drift', at: f.at, node: f.node, ppm: f.ppm };
    case 'messages':
      return { type: 'messages', at: f.at, ...until, filter: f.filter, ...behaviourYaml(f.behaviour) };
    case 'slowDisk':
      return { type: 'slow_disk', at: f.at, ...until, node: f.node, fsync_ms: f.fsyncMs };
    case 'slowCpu':
      return { type: 'slow_cpu', at: f.at, ...until, node: f.node, ms_per_event: f.msPerEvent };
  }
}

export function scenarioToYaml(s: Scenario): string {
  const timeouts = Object.fromEntries(TIMEOUT_JSON_NAMES.filter(([, field]) => s.timeouts[field] !== undefined).map(([json, field]) => [json, s.timeouts[field]]));
  const doc: Yaml = {
    name: s.name,
    seed: s.seed,
    duration_ms: s.durationMs,
    liveness_bound_ms: s.livenessBoundMs,
    ...(Object.keys(timeouts).length > 0 ? { timeouts } : {}),
    validators: s.validators.map((v) => ({ name: v.name, power: v.power, ...(v.byzantine ? { byzantine: v.byzantine } : {}) })),
    network: behaviourYaml(s.network),
    faults: s.faults.map(faultYaml),
    ...(s.delegations && s.delegations.length > 0 ? { delegations: s.delegations.map((d) => ({ at: d.at, to: d.to, amount: d.amount })) } : {}),
  };
  return stringify(doc, { flowCollectionPadding: true, collectionStyle: 'block' });
}
