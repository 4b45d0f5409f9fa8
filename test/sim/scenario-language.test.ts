/**
 * The scenario language of issue 15 (spec/faults.md): protocol triggers, for_ms, disk damage,
 * clock drift, message filters, slow disk and CPU, full nodes and twins, late starts, load
 * and unbonding. Each construct reads into its Scenario form, and each mistake is an
 * InvalidScenarioError naming the YAML path with its line and column.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidScenarioError, MAX_SCENARIO_CHARS, MAX_SCENARIO_NODES, parseScenario } from '../../src/sim/scenario.js';

const HEAD = `duration_ms: 60000
validators:
  - { name: v0, power: 1 }
  - { name: v1, power: 1 }
  - { name: v2, power: 1, start_at: 3000 }
  - { name: v3, power: 1 }
nodes:
  - { name: full, start_at: 1000 }
  - { name: twin, twin_of: v3 }
`;
const withFaults = (faults: string): string => `${HEAD}faults:\n${faults}\n`;

function parseError(text: string): InvalidScenarioError {
  try {
    parseScenario(text, 't.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidScenarioError);
    return err as InvalidScenarioError;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('new constructs read into the Scenario', () => {
  it('nodes, twins, late starts, load and unbonding', () => {
    const s = parseScenario(`${HEAD}load: { txs_per_second: 200, memo_bytes: 200 }\ndelegations: [{ at: 5, to: v1, amount: 100, action: unbond }]\n`, 't.yaml');
    expect(s.validators[2]).toEqual({ name: 'v2', power: 1, startAt: 3000 });
    expect(s.nodes).toEqual([{ name: 'full', startAt: 1000 }, { name: 'twin', twinOf: 'v3' }]);
    expect(s.load).toEqual({ txsPerSecond: 200, memoBytes: 200 });
    expect(s.delegations).toEqual([{ at: 5, to: 'v1', amount: 100, action: 'unbond' }]);
    expect(parseScenario(`${HEAD}load: { memo_bytes: 0 }\n`, 't.yaml').load).toEqual({ txsPerSecond: 16, memoBytes: 0 });
    // A twin signs with its validator's key: as a signer it is read as that validator.
    expect(parseScenario(withFaults('  - { type: messages, at: 0, filter: { signer: [twin, v1] }, drop: 1 }'), 't.yaml').faults[0]).toMatchObject({ filter: { signer: ['v3', 'v1'] } });
  });

  it('"drop v2\'s precommits to v3 in rounds 0-1", triggered at height 5 when v1 proposes, for 4 s', () => {
    const s = parseScenario(
      withFaults(`  - type: messages
    when: { height: 5, round: 0, step: prevote, proposer: v1, node: v3 }
    for_ms: 4000
    filter: { kinds: [precommit], signer: [v2], to: [v3], rounds: { min: 0, max: 1 }, heights: 5 }
    drop: 1`),
      't.yaml',
    );
    expect(s.faults).toEqual([
      {
        type: 'messages',
        at: 0,
        when: { height: 5, round: 0, step: 'prevote', proposer: 'v1', node: 'v3' },
        forMs: 4000,
        filter: { kinds: ['precommit'], signer: ['v2'], to: ['v3'], rounds: { min: 0, max: 1 }, heights: { min: 5, max: 5 } },
        behaviour: { drop: 1 },
      },
    ]);
  });

  it('crash with disk damage, clock drift, slow disk and CPU, for_ms without when, faults on full nodes', () => {
    const s = parseScenario(
      withFaults(`  - { type: crash, at: 9000, node: v1, restart_at: 12000, disk: { wal: truncate, sign_state: { backup_at: 2000 } } }
  - { type: crash, at: 0, node: v0, when: { height: 3 }, for_ms: 500, disk: { sign_state: lost } }
  - { type: clock_drift, at: 0, node: v2, ppm: -50000 }
  - { type: slow_disk, at: 100, for_ms: 900, node: v3, fsync_ms: 40 }
  - { type: slow_cpu, at: 100, node: full, ms_per_event: 3 }
  - { type: pause, at: 200, for_ms: 50, node: twin }
  - { type: partition, at: 5, until: 6, groups: [[v0, full]] }`),
      't.yaml',
    );
    expect(s.faults).toEqual([
      { type: 'crash', at: 9000, node: 'v1', restartAt: 12_000, disk: { wal: 'truncate', signState: { backupAt: 2000 } } },
      { type: 'crash', at: 0, node: 'v0', when: { height: 3 }, forMs: 500, disk: { signState: 'lost' } },
      { type: 'clockDrift', at: 0, node: 'v2', ppm: -50_000 },
      { type: 'slowDisk', at: 100, forMs: 900, node: 'v3', fsyncMs: 40 },
      { type: 'slowCpu', at: 100, node: 'full', msPerEvent: 3 },
      { type: 'pause', at: 200, until: 250, forMs: 50, node: 'twin' },
      { type: 'partition', at: 5, until: 6, groups: [['v0', 'full'], ['v1', 'v2', 'v3', 'twin']] },
    ]);
  });
});

describe('mistakes in the new constructs', () => {
  const cases: [string, string, RegExp][] = [
    ['until with when', withFaults('  - { type: network, when: { height: 2 }, until: 9, drop: 1 }'), /^t\.yaml:11:50: faults\[0\]\.until: a fault with "when" .* "for_ms"/],
    ['restart_at with when', withFaults('  - { type: crash, node: v0, when: { height: 2 }, restart_at: 9 }'), /faults\[0\]\.restart_at: a fault with "when"/],
    ['until and for_ms', withFaults('  - { type: network, at: 1, until: 9, for_ms: 3, drop: 1 }'), /faults\[0\]\.for_ms: give either "until" or "for_ms"/],
    ['for_ms 0', withFaults('  - { type: network, at: 1, for_ms: 0, drop: 1 }'), /faults\[0\]\.for_ms: 0 is out of range/],
    ['for_ms on a clock', withFaults('  - { type: clock_drift, at: 1, for_ms: 3, node: v0, ppm: 5 }'), /faults\[0\]\.for_ms: a clock_drift fault lasts for the rest of the run/],
    ['no at without when', withFaults('  - { type: network, for_ms: 3, drop: 1 }'), /faults\[0\]\.at: missing required key "at"/],
    ['a pause with when and no for_ms', withFaults('  - { type: pause, node: v0, when: { height: 2 } }'), /faults\[0\]\.for_ms: missing required key "for_ms"/],
    ['a trigger without height', withFaults('  - { type: network, when: { round: 2 }, drop: 1 }'), /faults\[0\]\.when\.height: missing required key "height"/],
    ['height 0', withFaults('  - { type: network, when: { height: 0 }, drop: 1 }'), /faults\[0\]\.when\.height: 0 is out of range/],
    ['an unknown step', withFaults('  - { type: network, when: { height: 1, step: commit }, drop: 1 }'), /faults\[0\]\.when\.step: unknown step "commit"/],
    ['an unknown trigger node', withFaults('  - { type: network, when: { height: 1, node: v9 }, drop: 1 }'), /faults\[0\]\.when\.node: no validator or node is named "v9"/],
    ['a twin and its validator as signers (one key)', withFaults('  - { type: messages, at: 0, filter: { signer: [v3, twin] }, drop: 1 }'), /faults\[0\]\.filter\.signer\[1\]: "twin" signs with "v3"'s key, and "v3" already names it/],
    ['a full node as signer', withFaults('  - { type: messages, at: 0, filter: { signer: [full] }, drop: 1 }'), /"full" is a full node: it signs nothing/],
    ['a full node as proposer', withFaults('  - { type: network, when: { height: 1, proposer: full }, drop: 1 }'), /faults\[0\]\.when\.proposer: no validator is named "full"/],
    ['a typo in when', withFaults('  - { type: network, when: { hieght: 1 }, drop: 1 }'), /unknown key "hieght" .*did you mean "height"/],
    ['backup after the crash', withFaults('  - { type: crash, at: 100, restart_at: 200, node: v0, disk: { sign_state: { backup_at: 100 } } }'), /faults\[0\]\.disk\.sign_state\.backup_at: the backup \(100\) must be older/],
    ['disk without restart', withFaults('  - { type: crash, at: 100, node: v0, disk: { wal: corrupt } }'), /faults\[0\]\.disk: disk damage shows only when the node restarts/],
    ['empty disk', withFaults('  - { type: crash, at: 100, restart_at: 200, node: v0, disk: {} }'), /faults\[0\]\.disk: disk damage needs "wal" or "sign_state"/],
    ['unknown wal damage', withFaults('  - { type: crash, at: 100, restart_at: 200, node: v0, disk: { wal: shred } }'), /faults\[0\]\.disk\.wal: unknown WAL damage "shred"/],
    ['sign_state gone', withFaults('  - { type: crash, at: 100, restart_at: 200, node: v0, disk: { sign_state: gone } }'), /faults\[0\]\.disk\.sign_state: unknown sign-state damage "gone"/],
    ['drift too large', withFaults('  - { type: clock_drift, at: 1, node: v0, ppm: 100001 }'), /faults\[0\]\.ppm: 100001 is out of range: it must be from -100000 to 100000/],
    ['a filter without behaviour', withFaults('  - { type: messages, at: 1, filter: { kinds: [prevote] } }'), /faults\[0\]: a messages fault needs at least one of "delay", "drop", "duplicate"/],
    ['an unknown kind', withFaults('  - { type: messages, at: 1, filter: { kinds: [vote] }, drop: 1 }'), /faults\[0\]\.filter\.kinds\[0\]: unknown message kind "vote"/],
    ['an empty list', withFaults('  - { type: messages, at: 1, filter: { from: [] }, drop: 1 }'), /faults\[0\]\.filter\.from: the list must not be empty/],
    ['a repeated name', withFaults('  - { type: messages, at: 1, filter: { to: [v1, v1] }, drop: 1 }'), /faults\[0\]\.filter\.to\[1\]: "v1" is listed twice/],
    ['a full node as signer', withFaults('  - { type: messages, at: 1, filter: { signer: [full] }, drop: 1 }'), /faults\[0\]\.filter\.signer\[0\]: "full" is a full node: it signs nothing/],
    ['an upside-down range', withFaults('  - { type: messages, at: 1, filter: { rounds: { min: 3, max: 1 } }, drop: 1 }'), /faults\[0\]\.filter\.rounds\.max: the maximum \(1\) is below the minimum \(3\)/],
    ['height 0 in a filter', withFaults('  - { type: messages, at: 1, filter: { heights: 0 }, drop: 1 }'), /faults\[0\]\.filter\.heights: 0 is out of range/],
    ['fsync 0', withFaults('  - { type: slow_disk, at: 1, node: v0, fsync_ms: 0 }'), /faults\[0\]\.fsync_ms: 0 is out of range/],
    ['a huge cpu cost', withFaults('  - { type: slow_cpu, at: 1, node: v0, ms_per_event: 3600001 }'), /faults\[0\]\.ms_per_event: 3600001 is out of range/],
    ['a node named like a validator', `${HEAD}`.replace('name: full', 'name: v1'), /nodes\[0\]\.name: duplicate node name "v1" \(also at validators\[1\]\.name\)/],
    ['a twin of nobody', `${HEAD}`.replace('twin_of: v3', 'twin_of: full'), /nodes\[1\]\.twin_of: twin_of names a validator, and no validator is named "full"/],
    ['a late start past the end', `${HEAD}`.replace('start_at: 3000', 'start_at: 60000'), /validators\[2\]\.start_at: start_at \(60000\) is not before the end/],
    ['too much load', `${HEAD}load: { txs_per_second: 10001 }\n`, /load\.txs_per_second: 10001 is out of range: it must be from 0 to 10000/],
    ['too big a memo (a transfer holds 256 bytes)', `${HEAD}load: { memo_bytes: 257 }\n`, /load\.memo_bytes: 257 is out of range/],
    ['an unknown action', `${HEAD}delegations: [{ at: 1, to: v0, amount: 100, action: redelegate }]\n`, /delegations\[0\]\.action: unknown delegation action "redelegate"/],
    ['a delegation to a full node', `${HEAD}delegations: [{ at: 1, to: full, amount: 100 }]\n`, /delegations\[0\]\.to: no validator is named "full"/],
  ];
  it.each(cases)('rejects %s', (_what, text, message) => {
    const err = parseError(text);
    expect(err.message).toMatch(message);
    expect(err.line).toBeGreaterThan(0);
  });

  it('refuses a file above 1 MiB before parsing it', () => {
    const err = parseError(`${HEAD}# ${'x'.repeat(MAX_SCENARIO_CHARS)}\n`);
    expect(err.message).toMatch(/^t\.yaml: the scenario is \d+ characters long; at most 1048576$/);
  });

  it('bounds the number of nodes a file can ask for', () => {
    const many = Array.from({ length: MAX_SCENARIO_NODES }, (_, i) => `  - { name: n${i} }`).join('\n');
    expect(parseError(`${HEAD}`.replace(/nodes:\n[\s\S]*$/, `nodes:\n${many}\n`)).message).toMatch(/nodes: at most 200 validators and nodes together/);
  });

  it('any text is a Scenario or an InvalidScenarioError, never another error (fuzzed around a valid file)', () => {
    const valid = withFaults(`  - type: messages
    when: { height: 5, round: 0, step: prevote, proposer: v1 }
    for_ms: 4000
    filter: { kinds: [precommit], signer: [v2, twin], to: [v3], rounds: { min: 0, max: 1 } }
    drop: 1
  - { type: crash, at: 9000, node: v1, restart_at: 12000, disk: { wal: truncate, sign_state: { backup_at: 2000 } } }`);
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.nat(valid.length), fc.string({ maxLength: 8 }), (from, len, insert) => {
        const text = valid.slice(0, from) + insert + valid.slice(from + Math.min(len, 12));
        try {
          parseScenario(text, 'f.yaml');
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidScenarioError);
        }
      }),
      { numRuns: 400 },
    );
  });
});
