/**
 * The sign state keeps the lock (spec/consensus.md, "The lock survives a WAL cut"): the block a
 * key last precommitted at its latest height, written with the signature that took it, read
 * back after any restart; a file from before locks were kept still loads; a damaged lock is
 * refused like the rest of the file.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/codec/bytes.js';
import { keyPairFromSeed, sign } from '../../src/crypto/ed25519.js';
import { parseSignState, signStateToJson } from '../../src/node/priv-validator-files.js';
import { PrivValidator, SIGN_STEP_PRECOMMIT, SIGN_STEP_PREVOTE, SIGN_STEP_PROPOSAL, type SignStep } from '../../src/node/priv-validator.js';
import { MemoryDisk } from '../../src/runtime/memory-disk.js';

const KEY = keyPairFromSeed(new Uint8Array(32).fill(9));
const STATE = '/data/priv_validator_state.json';
const hash = (b: number): Uint8Array => new Uint8Array(32).fill(b);

const request = fc.record({
  height: fc.integer({ min: 0, max: 2 }),
  round: fc.integer({ min: 0, max: 2 }),
  step: fc.constantFrom<SignStep>(SIGN_STEP_PROPOSAL, SIGN_STEP_PREVOTE, SIGN_STEP_PRECOMMIT),
  block: fc.integer({ min: 0, max: 2 }),
  restart: fc.boolean(),
});

describe('the lock in the sign state', () => {
  it('is the last block precommitted at the latest height signed, across restarts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { maxLength: 25 }), async (requests) => {
        let disk = new MemoryDisk();
        await disk.mkdirDurably('/data');
        let signer = await PrivValidator.create(KEY, STATE, { disk });
        // The model: height, round and step only grow; a precommit for a block (block > 0) takes the lock.
        let at = { height: 1, round: 0, step: 0 };
        let model: { height: number; round: number; block: number } | null = null;
        for (const r of requests) {
          const next = { height: at.height + r.height, round: r.height > 0 ? r.round : at.round + r.round, step: r.step };
          if (next.height === at.height && next.round === at.round && next.step <= at.step) continue;
          at = next;
          const precommitted = r.step === SIGN_STEP_PRECOMMIT && r.block > 0 ? hash(r.block) : r.step === SIGN_STEP_PRECOMMIT ? new Uint8Array(0) : undefined;
          await signer.sign(at.height, at.round, at.step as SignStep, new Uint8Array([at.height, at.round, at.step, r.block]), precommitted);
          if (model && model.height !== at.height) model = null;
          if (r.step === SIGN_STEP_PRECOMMIT && r.block > 0) model = { height: at.height, round: at.round, block: r.block };
          if (r.restart) {
            // The process dies; every write above was awaited, so the restarted one sees them all.
            disk = disk.crash();
            signer = await PrivValidator.create(KEY, STATE, { disk });
          }
          const lock = signer.lockAt(at.height);
          expect(lock && { round: lock.round, hash: toHex(lock.blockHash) }).toEqual(model && { round: model.round, hash: toHex(hash(model.block)) });
          expect(signer.lockAt(at.height + 1)).toBeNull();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('reads a file written before locks were kept, and refuses a damaged lock', () => {
    const signBytes = new Uint8Array([1, 2, 3]);
    const base = { height: 5, round: 2, step: SIGN_STEP_PRECOMMIT as SignStep, signBytes, signature: sign(KEY.privateKey, signBytes) };
    const old = JSON.parse(signStateToJson(base)) as Record<string, unknown>;
    expect(parseSignState(JSON.stringify(old), STATE, KEY.publicKey).lock).toBeUndefined();
    const withLock = signStateToJson({ ...base, lock: { round: 1, blockHash: hash(4) } });
    expect(parseSignState(withLock, STATE, KEY.publicKey).lock).toEqual({ round: 1, blockHash: hash(4) });
    const bad = [
      { ...old, lock: null },
      { ...old, lock: { round: 1 } },
      { ...old, lock: { round: 3, block_hash: toHex(hash(4)) } },
      { ...old, lock: { round: 1, block_hash: 'zz' } },
      { ...old, lock: { round: 1, block_hash: toHex(hash(4)), extra: 1 } },
      { ...old, lock: { round: -1, block_hash: toHex(hash(4)) } },
    ];
    for (const file of bad) expect(() => parseSignState(JSON.stringify(file), STATE, KEY.publicKey)).toThrow(expect.objectContaining({ code: 'INVALID_SIGN_STATE' }));
  });
});

