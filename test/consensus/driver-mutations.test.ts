/**
 * The mutations that live outside the core's rules: in the driver (skip-wal-replay,
 * broadcast-before-wal) and in the signer (sign-without-state, sign-before-persist). Each
 * changes what the node does only when it is switched on.
 */
import { describe, expect, it } from 'vitest';
import { bytesEqual, utf8 } from '../../src/codec/bytes.js';
import { PREVOTE, type Vote } from '../../src/codec/vote.js';
import { MUTATION_NAMES, type MutationName, type MutationSet } from '../../src/consensus/mutations.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import type { BlockExecutor } from '../../src/node/block-executor.js';
import type { ChainState } from '../../src/node/chain-state.js';
import { ConsensusDriver } from '../../src/node/consensus-driver.js';
import { EventBus } from '../../src/node/event-bus.js';
import { silentLogger } from '../../src/node/logger.js';
import { DoubleSignError, PrivValidator, SIGN_STEP_PREVOTE, unsafeSignerOptions } from '../../src/node/priv-validator.js';
import { Wal } from '../../src/node/wal.js';
import type { Mempool } from '../../src/mempool/mempool.js';
import { MemoryDisk } from '../../src/runtime/memory-disk.js';
import type { BlockStore } from '../../src/store/block-store.js';
import { ManualClock } from '../support/manual-clock.js';
import { chainState, lastCommitOf, LAST_HEIGHT, signedVote, signers } from '../support/signed-consensus.js';

const HEIGHT = LAST_HEIGHT + 1;

function driverOf(chain: ChainState, wal: Wal, extra: { privValidator?: PrivValidator; mutations?: MutationSet; onVote?: (v: Vote) => void } = {}): ConsensusDriver {
  const lastCommit = lastCommitOf(chain);
  return new ConsensusDriver(
    {
      privValidator: extra.privValidator ?? null,
      // Never asked to build or apply a block here.
      executor: {} as BlockExecutor,
      blockStore: { loadSeenCommit: async () => lastCommit } as unknown as BlockStore,
      mempool: {} as Mempool,
      events: new EventBus(),
      logger: silentLogger(),
      clock: new ManualClock(),
      onFatal: (err) => {
        throw err;
      },
      wal,
      broadcast: { proposal() {}, vote: (v) => extra.onVote?.(v) },
      ...(extra.mutations ? { unsafeMutations: extra.mutations } : {}),
    },
    chain,
  );
}

describe('skip-wal-replay', () => {
  async function prevotesAfterRestart(mutations: MutationSet | undefined): Promise<number> {
    const chain = chainState();
    const disk = new MemoryDisk();
    const wal = await Wal.open('/cs.wal', silentLogger(), { disk });
    const first = driverOf(chain, wal);
    await first.start();
    for (const member of [1, 2]) first.enqueue({ type: 'vote', vote: signedVote(chain, { height: HEIGHT, round: 0, type: PREVOTE, member }) });
    await first.stop();
    await wal.close();
    const reopened = await Wal.open('/cs.wal', silentLogger(), { disk });
    const second = driverOf(chain, reopened, mutations ? { mutations } : {});
    await second.start();
    const held = second.consensusState.votes?.prevotes(0).all().length ?? 0;
    await second.stop();
    await reopened.close();
    return held;
  }

  it('a restarted driver holds the votes its WAL logged, and forgets them only under the mutation', async () => {
    expect(await prevotesAfterRestart(undefined)).toBe(2);
    expect(await prevotesAfterRestart(['ignore-lock'])).toBe(2);
    expect(await prevotesAfterRestart(['skip-wal-replay'])).toBe(0);
  });
});

describe('broadcast-before-wal', () => {
  /** The order in which the validator's first own vote reached the WAL and the network. */
  async function orderOfOwnVote(mutations: MutationSet | undefined): Promise<string[]> {
    const chain = chainState();
    const proposer = chain.validators.proposerForRound(0).address;
    const key = signers.map((s) => s.keyPair).find((k) => !bytesEqual(addressFromPublicKey(k.publicKey), proposer))!;
    const privValidator = await PrivValidator.create(key, '/state.json', { disk: new MemoryDisk() });
    const order: string[] = [];
    let done!: () => void;
    const both = new Promise<void>((resolve) => (done = resolve));
    const note = (what: string): void => {
      order.push(what);
      if (order.length === 2) done();
    };
    const real = await Wal.open('/cs.wal', silentLogger(), { disk: new MemoryDisk() });
    // The WAL as the driver sees it, noting when its own vote becomes durable.
    const wal = Object.assign(Object.create(real) as Wal, {
      appendSync: async (bytes: Uint8Array) => {
        await real.appendSync(bytes);
        note('wal');
      },
    });
    const driver = driverOf(chain, wal, { privValidator, ...(mutations ? { mutations } : {}), onVote: () => note('broadcast') });
    await driver.start();
    driver.enqueue({ type: 'timeout', height: HEIGHT, round: 0, step: 'newHeight' });
    driver.enqueue({ type: 'timeout', height: HEIGHT, round: 0, step: 'propose' });
    await both;
    await driver.stop();
    return order;
  }

  it('an own vote is durable before it leaves, and leaves first only under the mutation', async () => {
    expect(await orderOfOwnVote(undefined)).toEqual(['wal', 'broadcast']);
    expect(await orderOfOwnVote(['broadcast-before-wal'])).toEqual(['broadcast', 'wal']);
  });
});

describe('the signer mutations', () => {
  const key = signers[0]!.keyPair;

  it('maps only its own two mutations onto the signer', () => {
    for (const name of MUTATION_NAMES) {
      const options = unsafeSignerOptions([name]);
      const expected: Record<string, boolean> = name === 'sign-without-state' ? { unsafeSkipGuard: true } : name === 'sign-before-persist' ? { unsafeSignBeforePersist: true } : {};
      expect(options, name).toEqual(expected);
    }
  });

  async function signTwice(mutation: MutationName | null): Promise<'refused' | 'signed'> {
    const pv = await PrivValidator.create(key, '/state.json', { disk: new MemoryDisk(), ...unsafeSignerOptions(mutation ? [mutation] : []) });
    await pv.sign(HEIGHT, 0, SIGN_STEP_PREVOTE, utf8('block A'));
    try {
      await pv.sign(HEIGHT, 0, SIGN_STEP_PREVOTE, utf8('block B'));
      return 'signed';
    } catch (err) {
      if (err instanceof DoubleSignError) return 'refused';
      throw err;
    }
  }

  it('sign-without-state signs two different prevotes of one round; the guard refuses the second otherwise', async () => {
    expect(await signTwice(null)).toBe('refused');
    expect(await signTwice('sign-before-persist')).toBe('refused');
    expect(await signTwice('sign-without-state')).toBe('signed');
  });

  it('sign-before-persist: a crash right after signing forgets the signature only under the mutation', async () => {
    for (const mutation of [null, 'sign-before-persist'] as const) {
      const disk = new MemoryDisk();
      const pv = await PrivValidator.create(key, '/state.json', { disk, ...unsafeSignerOptions(mutation ? [mutation] : []) });
      await pv.sign(HEIGHT, 0, SIGN_STEP_PREVOTE, utf8('block A'));
      const restarted = await PrivValidator.create(key, '/state.json', { disk: disk.crash() });
      expect(restarted.lastSigned, String(mutation)).toEqual(mutation ? null : { height: HEIGHT, round: 0, step: SIGN_STEP_PREVOTE });
    }
  });
});
