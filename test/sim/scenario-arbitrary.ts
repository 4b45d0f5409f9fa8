/**
 * fast-check arbitraries for valid Scenarios: every construct of the language, within the
 * parser's rules (names exist, ends after starts, partitions list every node once), so that a
 * property can say "any scenario the parser accepts".
 */
import fc from 'fast-check';
import { TIMEOUT_JSON_NAMES } from '../../src/codec/params.js';
import {
  BYZANTINE_STRATEGIES,
  MESSAGE_KINDS,
  TRIGGER_STEPS,
  type DelaySpec,
  type FaultEvent,
  type FaultTiming,
  type LinkBehaviour,
  type MessageFilter,
  type ProtocolTrigger,
  type Scenario,
  type ScenarioNode,
  type ScenarioValidator,
} from '../../src/sim/scenario-types.js';

const probability = fc.double({ min: 0, max: 1, noNaN: true });
const ms = fc.nat(100_000);

export const delaySpec: fc.Arbitrary<DelaySpec> = fc.oneof(
  ms.map((m) => ({ kind: 'fixed' as const, ms: m })),
  fc.tuple(ms, ms).map(([a, b]) => ({ kind: 'uniform' as const, minMs: Math.min(a, b), maxMs: Math.max(a, b) })),
  fc.tuple(ms, fc.integer({ min: 1, max: 100_000 })).map(([minMs, meanMs]) => ({ kind: 'exponential' as const, minMs, meanMs })),
);

const fullBehaviour: fc.Arbitrary<LinkBehaviour> = fc.record({ delay: delaySpec, drop: probability, duplicate: probability });
const someBehaviour: fc.Arbitrary<Partial<LinkBehaviour>> = fc
  .record({ delay: delaySpec, drop: probability, duplicate: probability }, { requiredKeys: [] })
  .filter((b) => Object.keys(b).length > 0);

/** Optional fields as fast-check records give them: absent, never `undefined`. */
const optional = <T extends object>(r: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<Partial<T>> => fc.record(r, { requiredKeys: [] }) as fc.Arbitrary<Partial<T>>;

function range(lo: number): fc.Arbitrary<{ min: number; max: number }> {
  return fc.tuple(fc.integer({ min: lo, max: lo + 50 }), fc.integer({ min: lo, max: lo + 50 })).map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) }));
}

interface World {
  durationMs: number;
  validators: string[];
  all: string[];
  signers: string[];
}

function trigger(w: World): fc.Arbitrary<ProtocolTrigger> {
  return fc
    .tuple(
      fc.integer({ min: 1, max: 1_000 }),
      optional<Omit<ProtocolTrigger, 'height'>>({ node: fc.constantFrom(...w.all), round: fc.nat(20), step: fc.constantFrom(...TRIGGER_STEPS), proposer: fc.constantFrom(...w.validators) }),
    )
    .map(([height, rest]) => ({ height, ...rest }));
}

function filter(w: World): fc.Arbitrary<MessageFilter> {
  const names = (from: string[]): fc.Arbitrary<string[]> => fc.uniqueArray(fc.constantFrom(...from), { minLength: 1 });
  return optional<MessageFilter>({
    kinds: fc.uniqueArray(fc.constantFrom(...MESSAGE_KINDS), { minLength: 1 }),
    from: names(w.all),
    to: names(w.all),
    signer: names(w.signers),
    heights: range(1),
    rounds: range(0),
  });
}

/** Every node in one of 2+ non-empty groups (the parser's form: the implicit group written out). */
function groups(w: World): fc.Arbitrary<string[][]> {
  return fc
    .tuple(fc.shuffledSubarray(w.all, { minLength: w.all.length, maxLength: w.all.length }), fc.integer({ min: 2, max: w.all.length }))
    .chain(([order, k]) =>
      fc.uniqueArray(fc.integer({ min: 1, max: order.length - 1 }), { minLength: k - 1, maxLength: k - 1 }).map((cuts) => {
        const at = [0, ...cuts.sort((a, b) => a - b), order.length];
        return at.slice(1).map((end, i) => order.slice(at[i], end));
      }),
    );
}

function fault(w: World): fc.Arbitrary<FaultEvent> {
  const at = fc.integer({ min: 0, max: w.durationMs - 1 });
  const node = fc.constantFrom(...w.all);
  return fc.tuple(at, fc.option(trigger(w), { nil: undefined }), fc.integer({ min: 1, max: 50_000 }), fc.boolean(), fc.integer({ min: 1, max: 50_000 })).chain(([atMs, when, forMs, useFor, after]) => {
    // An end is either for_ms, or (without a trigger) a time after `at`, or none.
    const end = fc.constantFrom<'none' | 'for' | 'until'>('none', 'for', ...(when ? [] : ['until' as const]));
    const timing = (e: 'none' | 'for' | 'until'): FaultTiming => ({ ...(when ? { when } : {}), ...(e === 'for' ? { forMs } : {}) });
    const until = (e: 'none' | 'for' | 'until'): { until?: number } => (e === 'until' ? { until: atMs + after } : {});
    const ended = <T>(make: (e: 'none' | 'for' | 'until') => T): fc.Arbitrary<T> => end.map(make);
    // Partitions and links need two nodes.
    const pairs: fc.Arbitrary<FaultEvent>[] =
      w.all.length < 2
        ? []
        : [
            fc.tuple(end, groups(w)).map(([e, g]): FaultEvent => ({ type: 'partition', at: atMs, ...until(e), groups: g, ...timing(e) })),
            fc
              .tuple(end, fc.uniqueArray(node, { minLength: 2, maxLength: 2 }), fc.boolean(), someBehaviour)
              .map(([e, [from, to], oneWay, behaviour]): FaultEvent => ({ type: 'link', at: atMs, ...until(e), from: from!, to: to!, oneWay, behaviour, ...timing(e) })),
          ];
    return fc.oneof(
      ...pairs,
      fc.tuple(end, node, fc.option(fc.constantFrom('truncate' as const, 'corrupt' as const), { nil: undefined }), fc.option(fc.oneof(fc.constant('lost' as const), fc.nat(atMs > 0 ? atMs - 1 : 0).map((b) => ({ backupAt: b }))), { nil: undefined })).map(
        ([e, n, wal, signState]): FaultEvent => {
          const restarts = e !== 'none';
          const usable = signState !== undefined && (signState === 'lost' || signState.backupAt < atMs);
          const disk = restarts && (wal !== undefined || usable) ? { ...(wal ? { wal } : {}), ...(usable ? { signState } : {}) } : undefined;
          return { type: 'crash', at: atMs, node: n, ...(e === 'until' ? { restartAt: atMs + after } : {}), ...(disk ? { disk } : {}), ...timing(e) };
        },
      ),
      fc.tuple(node).map(([n]): FaultEvent => (useFor || when ? { type: 'pause', at: atMs, until: atMs + forMs, node: n, ...timing('for') } : { type: 'pause', at: atMs, until: atMs + after, node: n, ...timing('none') })),
      fc.tuple(node, fc.integer({ min: -1e12, max: 1e12 })).map(([n, skewMs]): FaultEvent => ({ type: 'clockSkew', at: atMs, node: n, skewMs, ...timing('none') })),
      fc.tuple(node, fc.integer({ min: -100_000, max: 100_000 })).map(([n, ppm]): FaultEvent => ({ type: 'clockDrift', at: atMs, node: n, ppm, ...timing('none') })),
      ended((e): FaultEvent => ({ type: 'network', at: atMs, ...until(e), behaviour: { drop: 0.5 }, ...timing(e) })).chain((f) => someBehaviour.map((behaviour) => ({ ...f, behaviour }) as FaultEvent)),
      fc.tuple(end, filter(w), someBehaviour).map(([e, f, behaviour]): FaultEvent => ({ type: 'messages', at: atMs, ...until(e), filter: f, behaviour, ...timing(e) })),
      fc.tuple(end, node, fc.integer({ min: 1, max: 3_600_000 })).map(([e, n, fsyncMs]): FaultEvent => ({ type: 'slowDisk', at: atMs, ...until(e), node: n, fsyncMs, ...timing(e) })),
      fc.tuple(end, node, fc.integer({ min: 1, max: 3_600_000 })).map(([e, n, msPerEvent]): FaultEvent => ({ type: 'slowCpu', at: atMs, ...until(e), node: n, msPerEvent, ...timing(e) })),
    );
  });
}

const timeouts: fc.Arbitrary<Scenario['timeouts']> = fc
  .subarray(TIMEOUT_JSON_NAMES.map(([, field]) => field))
  .chain((fields) => fc.tuple(...fields.map(() => fc.integer({ min: 0, max: 3_600_000 }))).map((vs) => Object.fromEntries(fields.map((f, i) => [f, vs[i]]))));

/** A valid Scenario using any part of the language. */
export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 200_000 }))
  .chain(([nv, nn, durationMs]) => {
    const validators = Array.from({ length: nv }, (_, i) => `v${i}`);
    const startAt = fc.option(fc.integer({ min: 0, max: durationMs - 1 }), { nil: undefined });
    const vs = fc.tuple(
      ...validators.map((name) =>
        fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.option(fc.constantFrom(...BYZANTINE_STRATEGIES, 'random' as const), { nil: undefined }), startAt).map(
          ([power, byzantine, s]): ScenarioValidator => ({ name, power, ...(byzantine ? { byzantine } : {}), ...(s !== undefined ? { startAt: s } : {}) }),
        ),
      ),
    );
    const ns = fc.tuple(
      ...Array.from({ length: nn }, (_, i) =>
        fc.tuple(fc.option(fc.constantFrom(...validators), { nil: undefined }), startAt).map(([twinOf, s]): ScenarioNode => ({ name: `n${i}`, ...(twinOf ? { twinOf } : {}), ...(s !== undefined ? { startAt: s } : {}) })),
      ),
    );
    return fc.tuple(vs, ns).chain(([vals, nodes]) => {
      const all = [...validators, ...nodes.map((n) => n.name)];
      const w: World = { durationMs, validators, all, // The parser reads a twin signer as its validator (one key), so a generated scenario names validators, as the parser returns them.
      signers: [...validators] };
      const delegation = fc
        .tuple(fc.integer({ min: 0, max: durationMs - 1 }), fc.constantFrom(...validators), fc.integer({ min: 1, max: 1_000_000_000 }), fc.option(fc.constantFrom('delegate' as const, 'unbond' as const), { nil: undefined }))
        .map(([at, to, amount, action]) => ({ at, to, amount, ...(action ? { action } : {}) }));
      return fc
        .record({
          name: fc.string({ maxLength: 12 }),
          seed: fc.nat(),
          network: fullBehaviour,
          faults: fc.array(fault(w), { maxLength: 6 }),
          livenessBoundMs: fc.integer({ min: 1, max: 100_000 }),
          timeouts,
          delegations: fc.array(delegation, { minLength: 1, maxLength: 3 }),
          load: optional<{ txsPerSecond: number; memoBytes: number }>({ txsPerSecond: fc.integer({ min: 0, max: 10_000 }), memoBytes: fc.integer({ min: 0, max: 256 }) }),
          extras: fc.record({ delegations: fc.boolean(), load: fc.boolean() }),
        })
        .map(({ extras, delegations, load, ...r }): Scenario => ({
          ...r,
          durationMs,
          validators: vals,
          ...(nodes.length > 0 ? { nodes } : {}),
          ...(extras.delegations ? { delegations } : {}),
          ...(extras.load ? { load: { txsPerSecond: load.txsPerSecond ?? 16, ...(load.memoBytes !== undefined ? { memoBytes: load.memoBytes } : {}) } } : {}),
        }));
    });
  });
