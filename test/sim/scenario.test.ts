import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidScenarioError, loadScenario, parseScenario } from '../../src/sim/scenario.js';
import { gstOf } from '../../src/sim/fault-timeline.js';

const VALIDATORS = `validators:
  - { name: v0, power: 1 }
  - { name: v1, power: 1 }
  - { name: v2, power: 1 }
  - { name: v3, power: 1 }
`;

/** A valid scenario with the given faults (a YAML list body, each line indented by 2). */
function withFaults(faults: string): string {
  return `duration_ms: 60000\n${VALIDATORS}faults:\n${faults}\n`;
}

function parseError(text: string, source = 'test.yaml'): InvalidScenarioError {
  try {
    parseScenario(text, source);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidScenarioError);
    expect((err as InvalidScenarioError).code).toBe('INVALID_SCENARIO');
    return err as InvalidScenarioError;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('shipped scenarios', () => {
  it('slash-double-signer.yaml parses: v3 double-prevotes, a delegation of 100 CMT to v2 at 8 s', async () => {
    const s = await loadScenario('scripts/scenarios/slash-double-signer.yaml');
    expect(s.validators.map((v) => v.byzantine ?? null)).toEqual([null, null, null, 'double-prevote']);
    expect(s.delegations).toEqual([{ at: 8000, to: 'v2', amount: 100 }]);
  });

  it('one-byzantine.yaml parses: 4 equal validators, one random Byzantine, a partition 5-15 s', async () => {
    const s = await loadScenario('scripts/scenarios/one-byzantine.yaml');
    expect(s.name).toBe('one-byzantine');
    expect(s.durationMs).toBe(60_000);
    expect(s.validators).toHaveLength(4);
    expect(new Set(s.validators.map((v) => v.power)).size).toBe(1);
    expect(s.validators.filter((v) => v.byzantine)).toEqual([{ name: 'v3', power: 10, byzantine: 'random' }]);
    expect(s.network).toEqual({ delay: { kind: 'uniform', minMs: 5, maxMs: 50 }, drop: 0.05, duplicate: 0.01 });
    expect(s.faults).toEqual([{ type: 'partition', at: 5000, until: 15_000, groups: [['v0', 'v1'], ['v2', 'v3']] }]);
    expect(gstOf(s.faults)).toBe(15_000);
  });

  it('two-byzantine.yaml parses: v0 and v1 equivocate', async () => {
    const s = await loadScenario('scripts/scenarios/two-byzantine.yaml');
    expect(s.validators.filter((v) => v.byzantine).map((v) => [v.name, v.byzantine])).toEqual([
      ['v0', 'equivocating-proposer'],
      ['v1', 'equivocating-proposer'],
    ]);
    expect(s.network.delay).toEqual({ kind: 'exponential', minMs: 5, meanMs: 40 });
    expect(s.faults[0]).toEqual({
      type: 'link',
      at: 2000,
      until: 20_000,
      from: 'v2',
      to: 'v3',
      oneWay: false,
      behaviour: { drop: 0.5, delay: { kind: 'uniform', minMs: 100, maxMs: 400 } },
    });
  });

  it('partition-heal.yaml parses: a crash with restart and a healing partition, nobody Byzantine', async () => {
    const s = await loadScenario('scripts/scenarios/partition-heal.yaml');
    expect(s.validators.every((v) => v.byzantine === undefined)).toBe(true);
    expect(s.faults).toEqual([
      { type: 'crash', at: 3000, node: 'v3', restartAt: 8000 },
      // The nodes not listed form an implicit group of their own, appended by the parser.
      { type: 'partition', at: 12_000, until: 25_000, groups: [['v0'], ['v1', 'v2', 'v3']] },
    ]);
    expect(gstOf(s.faults)).toBe(25_000);
  });
});

describe('defaults', () => {
  it('fills in seed, network, faults, liveness bound, timeouts and the name from the file', () => {
    const s = parseScenario(`duration_ms: 1000\nvalidators: [{ name: a, power: 3 }]\n`, 'dir/my-case.yaml');
    expect(s).toEqual({
      name: 'my-case',
      seed: 1,
      durationMs: 1000,
      validators: [{ name: 'a', power: 3 }],
      network: { delay: { kind: 'uniform', minMs: 5, maxMs: 20 }, drop: 0, duplicate: 0 },
      faults: [],
      livenessBoundMs: 30_000,
      timeouts: {},
    });
    expect(gstOf(s.faults)).toBe(0);
  });

  it('fills in each network setting left out', () => {
    const s = parseScenario(`duration_ms: 1000\n${VALIDATORS}network: { drop: 0.1 }\n`, 's.yaml');
    expect(s.network).toEqual({ delay: { kind: 'uniform', minMs: 5, maxMs: 20 }, drop: 0.1, duplicate: 0 });
  });

  it('reads every key of a full scenario', () => {
    const s = parseScenario(
      `name: full
seed: 42
duration_ms: 90000
liveness_bound_ms: 10000
timeouts: { propose_ms: 300, propose_delta_ms: 100, prevote_ms: 200, prevote_delta_ms: 50, precommit_ms: 200, precommit_delta_ms: 50, commit_ms: 100 }
${VALIDATORS}network: { delay: 12, drop: 0, duplicate: 0.5 }
faults:
  - { type: partition, at: 0, groups: [[v0], [v1], [v2, v3]] }
  - { type: link, at: 10, until: 20, from: v0, to: v1, one_way: true, drop: 1 }
  - { type: crash, at: 30, node: v2 }
  - { type: pause, at: 40, until: 50, node: v1 }
  - { type: clock_skew, at: 60, node: v3, skew_ms: -250 }
  - { type: network, at: 70, until: 80, delay: { fixed: 100 }, duplicate: 0.2 }
`,
      'full.yaml',
    );
    expect(s.name).toBe('full');
    expect(s.seed).toBe(42);
    expect(s.livenessBoundMs).toBe(10_000);
    expect(s.timeouts).toEqual({ propose: 300, proposeDelta: 100, prevote: 200, prevoteDelta: 50, precommit: 200, precommitDelta: 50, nextBlockDelay: 100 });
    expect(s.network).toEqual({ delay: { kind: 'fixed', ms: 12 }, drop: 0, duplicate: 0.5 });
    expect(s.faults).toEqual([
      { type: 'partition', at: 0, groups: [['v0'], ['v1'], ['v2', 'v3']] },
      { type: 'link', at: 10, until: 20, from: 'v0', to: 'v1', oneWay: true, behaviour: { drop: 1 } },
      { type: 'crash', at: 30, node: 'v2' },
      { type: 'pause', at: 40, until: 50, node: 'v1' },
      { type: 'clockSkew', at: 60, node: 'v3', skewMs: -250 },
      { type: 'network', at: 70, until: 80, behaviour: { delay: { kind: 'fixed', ms: 100 }, duplicate: 0.2 } },
    ]);
    // The partition at 0 never heals: there is no GST, and liveness is not asked for.
    expect(gstOf(s.faults)).toBeNull();
  });

  it('resolves YAML anchors and aliases', () => {
    const s = parseScenario(
      `duration_ms: 1000
validators:
  - { name: v0, power: &p 5 }
  - { name: v1, power: *p }
network: { delay: &slow { uniform: [100, 200] } }
faults:
  - { type: network, at: 0, until: 500, delay: *slow }
`,
      's.yaml',
    );
    expect(s.validators.map((v) => v.power)).toEqual([5, 5]);
    expect(s.faults[0]).toEqual({ type: 'network', at: 0, until: 500, behaviour: { delay: { kind: 'uniform', minMs: 100, maxMs: 200 } } });
  });
});

describe('delay syntax', () => {
  it.each([
    ['10', { kind: 'fixed', ms: 10 }],
    ['0', { kind: 'fixed', ms: 0 }],
    ['{ fixed: 25 }', { kind: 'fixed', ms: 25 }],
    ['{ uniform: [5, 50] }', { kind: 'uniform', minMs: 5, maxMs: 50 }],
    ['{ uniform: [7, 7] }', { kind: 'uniform', minMs: 7, maxMs: 7 }],
    ['{ exponential: { min_ms: 5, mean_ms: 40 } }', { kind: 'exponential', minMs: 5, meanMs: 40 }],
    ['\n    exponential:\n      min_ms: 0\n      mean_ms: 3', { kind: 'exponential', minMs: 0, meanMs: 3 }],
  ])('delay: %s', (yaml, expected) => {
    const s = parseScenario(`duration_ms: 1000\n${VALIDATORS}network:\n  delay: ${yaml}\n`, 's.yaml');
    expect(s.network.delay).toEqual(expected);
  });

  it.each([
    ['-1', /network\.delay: -1 is out of range/],
    ['2.5', /network\.delay: expected a whole number/],
    ['fast', /network\.delay: a delay is a number of ms, \{ fixed: MS \}/],
    ['{ fixed: 1, uniform: [1, 2] }', /network\.delay: a delay has exactly one of/],
    ['{ gaussian: 3 }', /network\.delay\.gaussian: unknown key "gaussian"/],
    ['{ uniform: [50, 5] }', /network\.delay\.uniform\[1\]: the maximum \(5\) is below the minimum \(50\)/],
    ['{ uniform: [5] }', /network\.delay\.uniform: a uniform delay is \[MIN_MS, MAX_MS\]/],
    ['{ uniform: 5 }', /network\.delay\.uniform: expected a list/],
    ['{ exponential: { mean_ms: 4 } }', /network\.delay\.exponential\.min_ms: missing required key/],
    ['{ exponential: { min_ms: 1, mean_ms: 0 } }', /network\.delay\.exponential\.mean_ms: 0 is out of range/],
    ['{ exponential: { min_ms: 1, mean: 4 } }', /network\.delay\.exponential\.mean: unknown key "mean".*did you mean "mean_ms"/],
  ])('rejects delay: %s', (yaml, message) => {
    expect(parseError(`duration_ms: 1000\n${VALIDATORS}network:\n  delay: ${yaml}\n`).message).toMatch(message);
  });
});

describe('validation errors name the file, the path, the line and the column', () => {
  it('points at the offending value', () => {
    const err = parseError(withFaults(`  - { type: crash, at: 100, node: v0 }\n  - { type: crash, at: 100, node: v9 }`), 'scenarios/x.yaml');
    expect(err.path).toBe('faults[1].node');
    expect(err.line).toBe(9);
    expect(err.column).toBe(35);
    expect(err.source).toBe('scenarios/x.yaml');
    expect(err.message).toBe('scenarios/x.yaml:9:35: faults[1].node: no validator or node is named "v9"');
  });

  it('points at an unknown key and suggests the likely one', () => {
    const err = parseError(`duraton_ms: 5\n${VALIDATORS}`);
    expect(err.message).toMatch(/^test\.yaml:1:1: duraton_ms: unknown key "duraton_ms" in the scenario \(did you mean "duration_ms"\?\)/);
  });

  it('reports YAML syntax errors with their position', () => {
    const err = parseError(`duration_ms: 5\nvalidators: [ { name: a, power: 1 }\n`);
    expect(err.message).toMatch(/^test\.yaml:\d+:\d+: not valid YAML/);
    expect(err.line).toBeGreaterThan(0);
  });

  it('rejects duplicate keys as YAML errors', () => {
    const err = parseError(`duration_ms: 5\nduration_ms: 6\n${VALIDATORS}`);
    expect(err.message).toMatch(/^test\.yaml:2:1: not valid YAML: .*unique/i);
  });

  it('rejects several documents in one file', () => {
    expect(parseError(`duration_ms: 5\n${VALIDATORS}---\nseed: 2\n`).message).toMatch(/not valid YAML: a scenario file holds one YAML document/);
  });

  it('names the file it could not read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cmt-scenario-'));
    try {
      await expect(loadScenario(join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'INVALID_SCENARIO', message: expect.stringContaining('missing.yaml') });
      const path = join(dir, 'bad.yaml');
      await writeFile(path, `duration_ms: 0\n${VALIDATORS}`);
      await expect(loadScenario(path)).rejects.toThrow(`${path}:1:14: duration_ms: 0 is out of range`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  const V = VALIDATORS;
  it.each([
    // the document
    ['an empty file', '', /^test\.yaml: the scenario is empty/],
    ['a list at the top', '- 1\n- 2\n', /the scenario must be a mapping/],
    ['an unknown top-level key', `duration_ms: 5\n${V}faults_: []\n`, /faults_: unknown key "faults_".*did you mean "faults"/],
    ['a key with no value', `duration_ms:\n${V}`, /duration_ms: "duration_ms" has no value/],
    // duration, seed, liveness bound, timeouts
    ['no duration', V, /duration_ms: missing required key "duration_ms"/],
    ['a zero duration', `duration_ms: 0\n${V}`, /duration_ms: 0 is out of range: it must be at least 1/],
    ['a fractional duration', `duration_ms: 1.5\n${V}`, /duration_ms: expected a whole number/],
    ['a quoted duration', `duration_ms: "1000"\n${V}`, /duration_ms: expected a whole number ≥ 1, not the string "1000"/],
    ['a negative seed', `seed: -1\nduration_ms: 5\n${V}`, /seed: -1 is out of range/],
    ['a zero liveness bound', `liveness_bound_ms: 0\nduration_ms: 5\n${V}`, /liveness_bound_ms: 0 is out of range/],
    ['an unknown timeout', `timeouts: { propose: 5 }\nduration_ms: 5\n${V}`, /timeouts\.propose: unknown key "propose".*did you mean "propose_ms"/],
    ['a negative timeout', `timeouts: { commit_ms: -5 }\nduration_ms: 5\n${V}`, /timeouts\.commit_ms: -5 is out of range/],
    // validators
    ['no validators key', 'duration_ms: 5\n', /validators: missing required key "validators"/],
    ['no validators', 'duration_ms: 5\nvalidators: []\n', /validators: at least one validator is needed/],
    ['validators as a mapping', 'duration_ms: 5\nvalidators: { v0: 1 }\n', /validators: expected a list/],
    ['an empty validator name', `duration_ms: 5\nvalidators: [{ name: "", power: 1 }]\n`, /validators\[0\]\.name: a validator name must not be empty/],
    ['a numeric validator name', `duration_ms: 5\nvalidators: [{ name: 1, power: 1 }]\n`, /validators\[0\]\.name: expected a string/],
    ['a duplicate validator name', `duration_ms: 5\nvalidators: [{ name: a, power: 1 }, { name: a, power: 2 }]\n`, /validators\[1\]\.name: duplicate validator name "a" \(also at validators\[0\]\.name\)/],
    ['a missing power', `duration_ms: 5\nvalidators: [{ name: a }]\n`, /validators\[0\]\.power: missing required key "power"/],
    ['a zero power', `duration_ms: 5\nvalidators: [{ name: a, power: 0 }]\n`, /validators\[0\]\.power: 0 is out of range/],
    ['a negative power', `duration_ms: 5\nvalidators: [{ name: a, power: -3 }]\n`, /validators\[0\]\.power: -3 is out of range/],
    ['a fractional power', `duration_ms: 5\nvalidators: [{ name: a, power: 0.5 }]\n`, /validators\[0\]\.power: expected a whole number/],
    ['an unsafe power', `duration_ms: 5\nvalidators: [{ name: a, power: 9007199254740993 }]\n`, /validators\[0\]\.power: expected a whole number/],
    ['a typo in a validator key', `duration_ms: 5\nvalidators: [{ name: a, powr: 1 }]\n`, /validators\[0\]\.powr: unknown key "powr" in a validator \(did you mean "power"\?\)/],
    ['an unknown strategy', `duration_ms: 5\nvalidators: [{ name: a, power: 1, byzantine: equivocating }]\n`, /validators\[0\]\.byzantine: unknown Byzantine strategy "equivocating".*"equivocating-proposer".*"random"/],
    // network
    ['a drop above 1', `duration_ms: 5\n${V}network: { drop: 1.5 }\n`, /network\.drop: 1\.5 is not a probability/],
    ['a negative duplicate', `duration_ms: 5\n${V}network: { duplicate: -0.1 }\n`, /network\.duplicate: -0\.1 is not a probability/],
    ['a text drop', `duration_ms: 5\n${V}network: { drop: 5% }\n`, /network\.drop: expected a probability from 0 to 1, not the string "5%"/],
    ['an unknown network key', `duration_ms: 5\n${V}network: { loss: 0.1 }\n`, /network\.loss: unknown key "loss"/],
    // faults: shape
    ['faults as a mapping', withFaults('  partition: 1'), /faults: expected a list/],
    ['a fault without type', withFaults('  - { at: 5 }'), /faults\[0\]\.type: missing required key "type"/],
    ['an unknown fault type', withFaults('  - { type: clockSkew, at: 5, node: v0, skew_ms: 5 }'), /faults\[0\]\.type: unknown fault type "clockSkew" \(did you mean "clock_skew"\?\)/],
    ['a camelCase key', withFaults('  - { type: crash, at: 5, node: v0, restartAt: 9 }'), /faults\[0\]\.restartAt: unknown key "restartAt" in a crash fault \(did you mean "restart_at"\?\)/],
    ['a key of another fault type', withFaults('  - { type: crash, at: 5, node: v0, until: 9 }'), /faults\[0\]\.until: unknown key "until" in a crash fault/],
    // faults: times
    ['no at', withFaults('  - { type: crash, node: v0 }'), /faults\[0\]\.at: missing required key "at"/],
    ['a negative at', withFaults('  - { type: crash, at: -5, node: v0 }'), /faults\[0\]\.at: -5 is out of range/],
    ['a fractional at', withFaults('  - { type: crash, at: 0.5, node: v0 }'), /faults\[0\]\.at: expected a whole number/],
    ['an at past the end', withFaults('  - { type: crash, at: 60000, node: v0 }'), /faults\[0\]\.at: the fault starts at 60000, not before the end of the run/],
    ['until equal to at', withFaults('  - { type: partition, at: 5, until: 5, groups: [[v0]] }'), /faults\[0\]\.until: until \(5\) must be after at \(5\)/],
    ['until before at', withFaults('  - { type: network, at: 50, until: 10, drop: 1 }'), /faults\[0\]\.until: until \(10\) must be after at \(50\)/],
    ['restart_at before at', withFaults('  - { type: crash, at: 50, node: v0, restart_at: 20 }'), /faults\[0\]\.restart_at: restart_at \(20\) must be after at \(50\)/],
    ['a pause without until', withFaults('  - { type: pause, at: 5, node: v0 }'), /faults\[0\]\.until: missing required key "until"/],
    ['a fractional skew', withFaults('  - { type: clock_skew, at: 5, node: v0, skew_ms: 0.5 }'), /faults\[0\]\.skew_ms: expected a whole number/],
    // faults: nodes
    ['an unknown crash node', withFaults('  - { type: crash, at: 5, node: v7 }'), /faults\[0\]\.node: no validator or node is named "v7"/],
    ['an unknown pause node', withFaults('  - { type: pause, at: 5, until: 6, node: x }'), /faults\[0\]\.node: no validator or node is named "x"/],
    ['an unknown skew node', withFaults('  - { type: clock_skew, at: 5, node: x, skew_ms: 5 }'), /faults\[0\]\.node: no validator or node is named "x"/],
    ['an unknown link end', withFaults('  - { type: link, at: 5, from: v0, to: v8, drop: 1 }'), /faults\[0\]\.to: no validator or node is named "v8"/],
    ['a link to itself', withFaults('  - { type: link, at: 5, from: v0, to: v0, drop: 1 }'), /faults\[0\]\.to: a link joins two different nodes/],
    ['a link with no behaviour', withFaults('  - { type: link, at: 5, from: v0, to: v1 }'), /faults\[0\]: a link fault needs at least one of "delay", "drop", "duplicate"/],
    ['a network fault with no behaviour', withFaults('  - { type: network, at: 5 }'), /faults\[0\]: a network fault needs at least one of/],
    ['a bad one_way', withFaults('  - { type: link, at: 5, from: v0, to: v1, one_way: yes, drop: 1 }'), /faults\[0\]\.one_way: expected true or false, not the string "yes"/],
    ['a bad fault drop', withFaults('  - { type: link, at: 5, from: v0, to: v1, drop: 2 }'), /faults\[0\]\.drop: 2 is not a probability/],
    ['a bad fault delay', withFaults('  - { type: network, at: 5, delay: { uniform: [3, 1] } }'), /faults\[0\]\.delay\.uniform\[1\]: the maximum/],
    // faults: partition groups
    ['no groups', withFaults('  - { type: partition, at: 5 }'), /faults\[0\]\.groups: missing required key "groups"/],
    ['an empty groups list', withFaults('  - { type: partition, at: 5, groups: [] }'), /faults\[0\]\.groups: a partition needs at least one group/],
    ['an empty group', withFaults('  - { type: partition, at: 5, groups: [[v0], []] }'), /faults\[0\]\.groups\[1\]: a partition group must not be empty/],
    ['a group that is not a list', withFaults('  - { type: partition, at: 5, groups: [v0, v1] }'), /faults\[0\]\.groups\[0\]: expected a list/],
    ['an unknown group member', withFaults('  - { type: partition, at: 5, groups: [[v0], [v1, vx]] }'), /faults\[0\]\.groups\[1\]\[1\]: no validator or node is named "vx"/],
    [
      'overlapping groups',
      withFaults('  - { type: crash, at: 5, node: v0 }\n  - { type: crash, at: 5, node: v1 }\n  - { type: partition, at: 5, groups: [[v0, v1], [v1, v2]] }'),
      /faults\[2\]\.groups\[1\]\[0\]: groups overlap: "v1" is in groups 0 and 1/,
    ],
    ['a node twice in a group', withFaults('  - { type: partition, at: 5, groups: [[v0, v0]] }'), /faults\[0\]\.groups\[0\]\[1\]: "v0" is listed twice in this group/],
    ['one group of everyone', withFaults('  - { type: partition, at: 5, groups: [[v0, v1, v2, v3]] }'), /faults\[0\]\.groups: the partition separates nothing/],
    // delegations
    ['a delegation to nobody', `duration_ms: 60000\n${V}delegations: [{ at: 5, to: v9, amount: 10 }]\n`, /delegations\[0\]\.to: no validator is named "v9"/],
    ['a zero delegation', `duration_ms: 60000\n${V}delegations: [{ at: 5, to: v0, amount: 0 }]\n`, /delegations\[0\]\.amount: 0 is out of range/],
    ['a delegation after the end', `duration_ms: 60000\n${V}delegations: [{ at: 60000, to: v0, amount: 1 }]\n`, /delegations\[0\]\.at: the delegation is at 60000, not before the end/],
    ['a delegation without amount', `duration_ms: 60000\n${V}delegations: [{ at: 5, to: v0 }]\n`, /delegations\[0\]\.amount: missing required key "amount"/],
    ['an unknown delegation key', `duration_ms: 60000\n${V}delegations: [{ at: 5, to: v0, amount: 1, from: v1 }]\n`, /delegations\[0\]\.from: unknown key "from" in a delegation/],
  ])('rejects %s', (_what, text, message) => {
    expect(parseError(text).message).toMatch(message);
  });
});

describe('spec/faults.md', () => {
  it('every complete example in it parses', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile('spec/faults.md', 'utf8');
    const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => b.includes('duration_ms:'));
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const b of blocks) expect(() => parseScenario(b, 'spec/faults.md')).not.toThrow();
    const sink = parseScenario(blocks.find((b) => b.includes('kitchen-sink'))!, 'spec/faults.md');
    expect(sink.faults).toHaveLength(7);
    expect(gstOf(sink.faults)).toBe(70_000);
  });
});

describe('every shipped scenario file', () => {
  it('parses (scripts/scenarios and its folders), and every-fault.yaml holds every fault type', async () => {
    const { readdir } = await import('node:fs/promises');
    const files = (await readdir('scripts/scenarios', { recursive: true })).filter((f) => f.endsWith('.yaml')).sort();
    expect(files).toContain('every-fault.yaml');
    for (const f of files) await expect(loadScenario(join('scripts/scenarios', f)), f).resolves.toBeDefined();
    const every = await loadScenario('scripts/scenarios/every-fault.yaml');
    expect(new Set(every.faults.map((f) => f.type))).toEqual(new Set(['partition', 'link', 'crash', 'pause', 'clockSkew', 'clockDrift', 'network', 'messages', 'slowDisk', 'slowCpu']));
    expect(every.faults.some((f) => f.when !== undefined)).toBe(true);
    expect(every.nodes?.some((n) => n.twinOf !== undefined)).toBe(true);
  });
});
