import { describe, expect, it } from 'vitest';
import { bytesKey, utf8 } from '../../src/codec/bytes.js';
import { sha256 } from '../../src/codec/hash.js';
import { ValidatorSet, type Validator } from '../../src/consensus/validator-set.js';
import { keyPairFromSeed } from '../../src/crypto/ed25519.js';

const key = (name: string) => keyPairFromSeed(sha256(utf8(name))).publicKey;

function namedSet(powers: Record<string, number>): { set: ValidatorSet; nameOf: (v: Validator) => string } {
  const names = new Map(Object.keys(powers).map((n) => [bytesKey(key(n)), n]));
  const set = ValidatorSet.fromGenesis(Object.entries(powers).map(([n, power]) => ({ publicKey: key(n), power })));
  return { set, nameOf: (v) => names.get(bytesKey(v.publicKey)) as string };
}

describe('ValidatorSet proposer selection', () => {
  it('gives the proposer sequence of CometBFT TestProposerSelection1', () => {
    const { set, nameOf } = namedSet({ foo: 1000, bar: 300, baz: 330 });
    const expected =
      'foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo foo foo baz bar foo foo foo baz foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo foo';
    const seen: string[] = [];
    let current = set;
    for (let i = 0; i < 99; i++) {
      seen.push(nameOf(current.proposer));
      current = current.copyIncrementProposerPriority(1);
    }
    expect(seen.join(' ')).toBe(expected);
  });

  it('picks each validator in proportion to its power over a cycle', () => {
    const { set, nameOf } = namedSet({ a: 1, b: 2, c: 3, d: 4 });
    const counts = new Map<string, number>();
    let current = set;
    for (let i = 0; i < 100; i++) {
      const n = nameOf(current.proposer);
      counts.set(n, (counts.get(n) ?? 0) + 1);
      current = current.copyIncrementProposerPriority(1);
    }
    expect(Object.fromEntries(counts)).toEqual({ a: 10, b: 20, c: 30, d: 40 });
  });

  it('proposerForRound(r) is the proposer after r increments, and the set is unchanged', () => {
    const { set } = namedSet({ a: 5, b: 3, c: 1 });
    const before = set.encode();
    expect(set.proposerForRound(0).address).toEqual(set.proposer.address);
    expect(set.proposerForRound(4).address).toEqual(set.copyIncrementProposerPriority(4).proposer.address);
    expect(set.copyIncrementProposerPriority(4).proposer.address).toEqual(
      set.copyIncrementProposerPriority(1).copyIncrementProposerPriority(3).proposer.address,
    );
    expect(set.encode()).toEqual(before);
  });

  it('a new validator starts at -1.125 x total power and cannot propose at once', () => {
    const { set } = namedSet({ a: 10, b: 10 });
    const next = set.applyUpdates([{ publicKey: key('c'), power: 10 }]);
    const c = next.getByAddress(next.validators.find((v) => bytesKey(v.publicKey) === bytesKey(key('c')))!.address)!;
    // -(20 + 10 + 30/8) = -33.75 → -33, then priorities are centred on their average.
    const centred = next.validators.reduce((s, v) => s + v.proposerPriority, 0);
    expect(Math.abs(centred)).toBeLessThan(next.size);
    expect(c.proposerPriority).toBeLessThan(Math.min(...next.validators.filter((v) => v !== c).map((v) => v.proposerPriority)));
    expect(bytesKey(next.copyIncrementProposerPriority(1).proposer.publicKey)).not.toBe(bytesKey(key('c')));
  });

  it('removes with power 0, and rejects invalid updates and sets', () => {
    const { set } = namedSet({ a: 10, b: 10, c: 5 });
    expect(set.applyUpdates([{ publicKey: key('c'), power: 0 }]).size).toBe(2);
    expect(() => set.applyUpdates([{ publicKey: key('z'), power: 0 }])).toThrow(/not in the set/);
    expect(() => set.applyUpdates([{ publicKey: key('a'), power: 0 }, { publicKey: key('b'), power: 0 }, { publicKey: key('c'), power: 0 }])).toThrow(/every validator/);
    expect(() => set.applyUpdates([{ publicKey: key('d'), power: 1 }, { publicKey: key('d'), power: 2 }])).toThrow(/duplicate/);
    expect(() => ValidatorSet.fromGenesis([])).toThrow(/at least one/);
    expect(() => ValidatorSet.fromGenesis([{ publicKey: key('a'), power: 0 }])).toThrow();
    expect(() => ValidatorSet.fromGenesis([{ publicKey: key('a'), power: 2 ** 49 }])).toThrow();
  });

  it('round-trips through its canonical encoding, proposer and priorities included', () => {
    const { set } = namedSet({ a: 7, b: 3, c: 3 });
    const advanced = set.copyIncrementProposerPriority(5);
    const decoded = ValidatorSet.decode(advanced.encode());
    expect(decoded.encode()).toEqual(advanced.encode());
    expect(decoded.hash()).toEqual(advanced.hash());
    expect(decoded.proposer.address).toEqual(advanced.proposer.address);
  });
});
