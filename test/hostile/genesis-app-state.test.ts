/**
 * The genesis file's app_state refuses what it does not know at every level: a misspelt
 * setting must stop the node at its first start, never silently become the default.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appGenesisToJson, parseAppGenesis } from '../../src/app/genesis-state.js';
import { DEFAULT_APP_PARAMS } from '../../src/app/params.js';
import { DEFAULT_STAKING_PARAMS } from '../../src/app/staking/params.js';
import { addressOf, testKey } from '../support/nodes.js';
import { genesisCandidate } from '../app/staking/staking-chain.js';

/** A complete app_state with every section and every optional field present. */
function fullAppState(): Record<string, unknown> {
  const accounts = [0, 1].map((i) => ({ address: addressOf(testKey(i)), balance: 1_000_000n }));
  const staking = { params: DEFAULT_STAKING_PARAMS, candidates: [genesisCandidate(0, 10n), genesisCandidate(1, 20n)] };
  return JSON.parse(JSON.stringify(appGenesisToJson({ params: DEFAULT_APP_PARAMS, accounts, staking }))) as Record<string, unknown>;
}

type Json = Record<string, unknown>;

function refusal(parse: () => unknown): string {
  try {
    parse();
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
}
/** Every object of app_state whose keys are fixed, by a path a test can name. */
const SECTIONS: readonly [string, (s: Json) => Json][] = [
  ['app_state', (s) => s],
  ['app_state.params', (s) => s.params as Json],
  ['app_state.params.gas', (s) => (s.params as Json).gas as Json],
  ['app_state.accounts[1]', (s) => (s.accounts as Json[])[1] as Json],
  ['app_state.staking', (s) => s.staking as Json],
  ['app_state.staking.params', (s) => (s.staking as Json).params as Json],
  ['app_state.staking.candidates[0]', (s) => ((s.staking as Json).candidates as Json[])[0] as Json],
];

describe('genesis app_state', () => {
  it('a complete app_state with every optional field parses', () => {
    expect(() => parseAppGenesis(fullAppState())).not.toThrow();
  });

  it('a field no section knows is refused wherever it is, naming it', () => {
    const section = fc.integer({ min: 0, max: SECTIONS.length - 1 });
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }));
    fc.assert(
      fc.property(section, fc.string({ minLength: 1, maxLength: 30 }), value, (i, key, v) => {
        const state = fullAppState();
        const [where, pick] = SECTIONS[i] as (typeof SECTIONS)[number];
        const target = pick(state);
        fc.pre(!Object.prototype.hasOwnProperty.call(target, key) && key !== '__proto__');
        target[key] = v;
        const message = refusal(() => parseAppGenesis(state));
        expect(message, where).toMatch(/^invalid genesis/);
        // The key is named as written or JSON-escaped, cut to 64 characters.
        expect(message.includes(key.slice(0, 60)) || message.includes(JSON.stringify(key).slice(1, 61)), `${where}: ${message}`).toBe(true);
      }),
      // Names Object.prototype has (fast-check found "valueOf" passing as a staking parameter) in every section.
      { numRuns: 300, examples: SECTIONS.flatMap((_, i) => ['valueOf', 'toString', 'constructor', 'hasOwnProperty'].map((key): [number, string, number] => [i, key, 0])) },
    );
  });

  it('a section that is not an object is refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 }), fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 })), (i, v) => {
        const state = fullAppState();
        if (i === 1) state.params = v;
        else ((state.params as Json).gas as unknown) = v;
        expect(() => parseAppGenesis(state)).toThrow(/invalid genesis/);
      }),
      { numRuns: 100 },
    );
  });
});
