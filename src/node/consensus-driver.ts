/**
 * Drives the pure consensus core with real time: one event at a time goes into `step`, and
 * each effect it returns is carried out here — timers, signing (through the PrivValidator's
 * double-sign guard), broadcasting, asking the app to build or check a block, and applying
 * decided blocks. Answers to asynchronous effects come back as new events.
 */
import { blockTxHashes, decodeBlockOnce, headerHash, type Block } from '../codec/block.js';
import { bytesEqual, toHex } from '../codec/bytes.js';
import { PRECOMMIT, type Commit, type Proposal, type Vote, proposalSignBytes, voteSignBytes } from '../codec/vote.js';
import { createConsensusState, step, type ConsensusState } from '../consensus/index.js';
import type { ConsensusEffect, ConsensusEvent } from '../consensus/types.js';
import { hasMutation, type MutationSet } from '../consensus/mutations.js';
import type { Mempool } from '../mempool/mempool.js';
import type { TimeoutParams } from '../codec/params.js';
import { CmtError } from '../codec/errors.js';
import type { Wal } from './wal.js';
import { decodeWalEvent, encodeWalEvent, type LoggedEvent } from './wal-events.js';
import { isTimely, MAX_CLOCK_DRIFT_MS, type BlockExecutor } from './block-executor.js';
import type { ChainState } from './chain-state.js';
import type { EventBus } from './event-bus.js';
import { ConsensusEventObserver, type BeforeStep } from './consensus-events.js';
import type { Logger } from './logger.js';
import { DoubleSignError, SIGN_STEP_PRECOMMIT, SIGN_STEP_PREVOTE, SIGN_STEP_PROPOSAL, type PrivValidator } from './priv-validator.js';
import type { BlockStore } from '../store/block-store.js';
import { systemClock, type Clock, type Timer } from '../runtime/clock.js';
import type { DriverAdversary } from './adversary.js';

/** Where signed consensus messages go; the single-node chain has no peers, the p2p layer plugs in here. */
export interface ConsensusBroadcaster {
  proposal(proposal: Proposal, block: Uint8Array): void;
  vote(vote: Vote): void;
}

export const NO_PEERS: ConsensusBroadcaster = { proposal() {}, vote() {} };

export interface ConsensusDriverDeps {
  privValidator: PrivValidator | null;
  executor: BlockExecutor;
  blockStore: BlockStore;
  mempool: Mempool;
  events: EventBus;
  logger: Logger;
  broadcast?: ConsensusBroadcaster;
  /** Time and timers: the wall clock on a real process, virtual time in the simulator. */
  clock?: Clock;
  /** Read the time from here instead of `clock` (tests that model a skewed wall clock). */
  now?: () => number;
  /** A Byzantine strategy's hooks (simulator and local test chains only); absent on a correct node. */
  adversary?: DriverAdversary | null;
  /**
   * SIMULATOR ONLY: deliberate bugs (src/consensus/mutations.ts) for checkers that must be
   * shown to fail; the driver acts on broadcast-before-wal and skip-wal-replay and hands the
   * rest to the core. Never set by a real node.
   */
  unsafeMutations?: MutationSet;
  /** Called once if applying a block fails: the node cannot go on safely and must stop. */
  onFatal: (err: unknown) => void;
  /** This node's own timeouts over the chain's (config `consensus.timeouts`). */
  timeoutOverrides?: Partial<TimeoutParams>;
  /** The consensus write-ahead log; null runs without one (tests of the driver alone). */
  wal?: Wal | null;
  /** Two conflicting votes from one validator: evidence to build. */
  onEquivocation?: (voteA: Vote, voteB: Vote, chain: ChainState) => Promise<void>;
  /** This node's verdict on a block it checked (a proposal, or a block finalized elsewhere): null is valid. The simulator's validity checker listens. */
  onVerdict?: (blockHash: Uint8Array, reason: string | null) => void;
  /** Every effect the core asks for, as it is carried out (the simulator's trace and tests listen). */
  onEffect?: (effect: ConsensusEffect) => void;
  /** Called after the core was told to start a height (messages held for it can be fed now). */
  onStartHeight?: (height: number) => void;
}

interface QueuedEvent {
  event: ConsensusEvent;
  /** Already in the WAL (replayed, or written synchronously before it left the node). */
  logged: boolean;
}

export class ConsensusDriver {
  private core: ConsensusState;
  private chain: ChainState;
  private readonly queue: QueuedEvent[] = [];
  private readonly timers = new Set<Timer>();
  private readonly inFlight = new Set<Promise<void>>();
  private pumping = false;
  private stopped = true;
  private decidedAt = 0;
  private applying = false;
  /** How long this node took to validate each proposal of the current height, by block hash: part of a block's cost to the budget. */
  private readonly validationMs = new Map<string, number>();
  private readonly clock: Clock;
  private readonly now: () => number;
  private broadcast: ConsensusBroadcaster;
  private adversary: DriverAdversary | null;
  /** CometBFT's consensus events for RPC subscribers: observation only, idle while nobody listens. */
  private readonly observer: ConsensusEventObserver;

  constructor(
    private readonly deps: ConsensusDriverDeps,
    chainState: ChainState,
  ) {
    this.chain = chainState;
    this.clock = deps.clock ?? systemClock;
    this.now = deps.now ?? (() => this.clock.now());
    this.broadcast = deps.broadcast ?? NO_PEERS;
    this.adversary = deps.adversary ?? null;
    this.observer = new ConsensusEventObserver(deps.events);
    this.core = createConsensusState({ chainId: chainState.chainId, selfAddress: deps.privValidator?.address ?? null, ...(deps.unsafeMutations ? { unsafeMutations: deps.unsafeMutations } : {}) });
  }

  /** A Byzantine strategy's hooks from now on (they talk to the network, which comes up after the driver). */
  setAdversary(adversary: DriverAdversary | null): void {
    this.adversary = adversary;
  }

  /** Where signed proposals and votes go from now on (the p2p layer, once it is up). */
  setBroadcaster(broadcaster: ConsensusBroadcaster): void {
    this.broadcast = broadcaster;
  }

  get chainState(): ChainState {
    return this.chain;
  }

  get consensusState(): ConsensusState {
    return this.core;
  }

  /**
   * Starts the height after the last committed block. Inputs the WAL holds for that height
   * (a crash mid-height) are fed again first, so the core resumes at the same round with the
   * same lock; what it asks to sign again is the same bytes, which the PrivValidator re-signs.
   */
  async start(): Promise<void> {
    this.stopped = false;
    const last = this.chain.lastBlockHeight;
    const height = last + 1;
    const lastCommit = last >= this.chain.initialHeight ? ((await this.deps.blockStore.loadSeenCommit(last)) ?? null) : null;
    const wal = this.deps.wal;
    // MUTATION skip-wal-replay: the height restarts from scratch, its lock and votes forgotten.
    const replay = wal && wal.replay.height === height && !hasMutation(this.deps.unsafeMutations, 'skip-wal-replay') ? wal.replay.records : [];
    if (wal && wal.replay.height !== null && wal.replay.height > height) {
      throw new CmtError('WAL_AHEAD', `the consensus WAL in ${wal.dir} is at height ${wal.replay.height} but the block store ends at ${last}: the stores lost data`);
    }
    await wal?.startHeight(height);
    this.decidedAt = this.now();
    this.startHeight(lastCommit);
    if (replay.length > 0) this.deps.logger.info({ height, records: replay.length }, 'replaying the consensus WAL');
    for (const record of replay) this.enqueue(decodeWalEvent(record), { logged: true });
    this.restoreLock(height);
  }

  /**
   * The replay above stepped the core synchronously. If the WAL lost the tail that held our
   * latest precommit (a damaged disk), the sign state still names the block: it was written
   * durably before that precommit left the node. Taking that lock back keeps the validator
   * from prevoting against a block it precommitted, with no proof-of-lock.
   */
  private restoreLock(height: number): void {
    const lock = this.deps.privValidator?.lockAt(height);
    if (!lock || lock.round <= this.core.lockedRound) return;
    this.core.lockedRound = lock.round;
    this.core.lockedValue = lock.blockHash;
  }

  /** Stops taking events, cancels timers and waits for a block being applied to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.queue.length = 0;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Feeds an event from outside (the p2p layer, after it verified signatures). It is written
   * to the WAL before the core acts on it, unless it is there already.
   */
  enqueue(event: ConsensusEvent, options: { logged?: boolean } = {}): void {
    if (this.stopped) return;
    // A copy of what the core holds (gossip after its seen cache expired, a catch-up answer, a
    // push) changes nothing: it is neither logged nor stepped, so copies cannot grow the WAL.
    if (options.logged !== true && this.holds(event)) return;
    this.queue.push({ event, logged: options.logged === true });
    if (!this.pumping) this.pump();
  }

  private holds(event: ConsensusEvent): boolean {
    const core = this.core;
    if (event.type === 'vote') return event.vote.height === core.height && core.votes?.holds(event.vote) === true;
    if (event.type === 'proposal') {
      const held = core.proposals.get(event.proposal.round);
      return event.proposal.height === core.height && held !== undefined && bytesEqual(held.signature, event.proposal.signature) && bytesEqual(held.blockHash, event.proposal.blockHash);
    }
    return false;
  }

  private pump(): void {
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const { event, logged } = this.queue.shift() as QueuedEvent;
        if (!logged && event.type !== 'startHeight') this.deps.wal?.append(encodeWalEvent(event));
        this.adversary?.beforeStep?.(this.core);
        const seen = this.observeBefore(event);
        const effects = step(this.core, event);
        if (seen) this.observe(seen, event, effects);
        for (const effect of effects) this.perform(effect);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** What an observer needs from before the step, or null (nobody listens, or it failed: logged, never thrown into consensus). */
  private observeBefore(event: ConsensusEvent): BeforeStep | null {
    try {
      return this.observer.before(this.core, event);
    } catch (err) {
      this.deps.logger.error({ err }, 'a consensus event could not be observed');
      return null;
    }
  }

  /** Tells subscribers what the step did. Nothing an observer does may reach consensus: errors are logged. */
  private observe(seen: BeforeStep, event: ConsensusEvent, effects: readonly ConsensusEffect[]): void {
    try {
      this.observer.after(seen, this.core, event, effects, this.now());
    } catch (err) {
      this.deps.logger.error({ err }, 'a consensus event could not be published');
    }
  }

  private track(work: Promise<void>): void {
    const guarded = work.catch((err: unknown) => this.fail(err));
    this.inFlight.add(guarded);
    void guarded.finally(() => this.inFlight.delete(guarded));
  }

  private fail(err: unknown): void {
    if (this.stopped) return;
    this.deps.logger.fatal({ err }, 'consensus cannot continue');
    this.stopped = true;
    this.deps.onFatal(err);
  }

  private perform(effect: ConsensusEffect): void {
    this.deps.onEffect?.(effect);
    switch (effect.type) {
      case 'scheduleTimeout': {
        // The next-block delay counts from the decision, not from the end of applying the block.
        const elapsed = effect.step === 'newHeight' ? this.now() - this.decidedAt : 0;
        const delay = Math.max(0, effect.durationMs - elapsed);
        const timer = this.clock.after(delay, () => {
          this.timers.delete(timer);
          this.enqueue({ type: 'timeout', height: effect.height, round: effect.round, step: effect.step });
        });
        this.timers.add(timer);
        return;
      }
      case 'buildProposal':
        this.track(this.buildProposal(effect));
        return;
      case 'signProposal':
        this.track(this.signProposal(effect));
        return;
      case 'signVote':
        this.track(this.signVote(effect));
        return;
      case 'validateProposal':
        this.track(this.validateProposal(effect));
        return;
      case 'decide':
        this.track(this.decide(effect));
        return;
      case 'equivocation':
        this.deps.logger.warn(
          { validator: toHex(effect.voteA.validatorAddress), height: effect.voteA.height, round: effect.voteA.round },
          'validator signed two different votes',
        );
        this.track(this.deps.onEquivocation?.(effect.voteA, effect.voteB, this.chain) ?? Promise.resolve());
        return;
    }
  }

  private async buildProposal(effect: Extract<ConsensusEffect, { type: 'buildProposal' }>): Promise<void> {
    const self = this.deps.privValidator;
    if (!self) return;
    const created = await this.deps.executor.createProposalBlock(this.chain, effect.lastCommit, self.address, this.now());
    const alter = this.adversary?.alterProposalBlock;
    const built = alter ? await alter(effect.height, effect.round, created) : created;
    // Our own block is valid by construction (PrepareProposal built it against the state it extends).
    this.deps.onVerdict?.(built.hash, null);
    this.enqueue({ type: 'proposalBuilt', height: effect.height, round: effect.round, block: built.bytes, blockHash: built.hash });
  }

  private async signProposal(effect: Extract<ConsensusEffect, { type: 'signProposal' }>): Promise<void> {
    const self = this.deps.privValidator;
    if (!self) return;
    const unsigned = { height: effect.height, round: effect.round, polRound: effect.polRound, blockHash: effect.blockHash };
    const signature = await this.signSafely(() => self.sign(effect.height, effect.round, SIGN_STEP_PROPOSAL, proposalSignBytes(this.chain.chainId, unsigned)));
    if (!signature) return;
    const proposal: Proposal = { ...unsigned, signature };
    const send = this.adversary?.sendProposal;
    await this.sendOwn({ type: 'proposal', proposal, block: effect.block }, async () => {
      if (!(send && (await send(proposal, effect.block)))) this.broadcast.proposal(proposal, effect.block);
    });
  }

  private async signVote(effect: Extract<ConsensusEffect, { type: 'signVote' }>): Promise<void> {
    const self = this.deps.privValidator;
    if (!self) return;
    const index = this.chain.validators.indexOf(self.address);
    if (index < 0 || effect.height !== this.chain.lastBlockHeight + 1) return;
    const unsigned = { type: effect.voteType, height: effect.height, round: effect.round, blockHash: effect.blockHash };
    const signStep = effect.voteType === PRECOMMIT ? SIGN_STEP_PRECOMMIT : SIGN_STEP_PREVOTE;
    const precommitted = effect.voteType === PRECOMMIT ? effect.blockHash : undefined;
    const signature = await this.signSafely(() => self.sign(effect.height, effect.round, signStep, voteSignBytes(this.chain.chainId, unsigned), precommitted));
    if (!signature) return;
    const vote: Vote = { ...unsigned, validatorAddress: self.address, validatorIndex: index, signature };
    const send = this.adversary?.sendVote;
    await this.sendOwn({ type: 'vote', vote }, async () => {
      if (!(send && (await send(vote)))) this.broadcast.vote(vote);
    });
  }

  /** Our own message is durable in the WAL (with everything before it) before it leaves the node. */
  private async sendOwn(event: LoggedEvent, broadcast: () => Promise<void>): Promise<void> {
    // MUTATION broadcast-before-wal: a crash between the two forgets a message others have.
    if (hasMutation(this.deps.unsafeMutations, 'broadcast-before-wal')) {
      await broadcast();
      await this.deps.wal?.appendSync(encodeWalEvent(event));
    } else {
      await this.deps.wal?.appendSync(encodeWalEvent(event));
      if (this.stopped) return;
      await broadcast();
    }
    if (this.stopped) return;
    this.enqueue(event, { logged: true });
  }

  /** A refused signature is logged and dropped: not signing is always safe. */
  private async signSafely(sign: () => Promise<Uint8Array>): Promise<Uint8Array | null> {
    try {
      return await sign();
    } catch (err) {
      if (err instanceof DoubleSignError) {
        this.deps.logger.error({ err: err.message }, 'refused to sign');
        return null;
      }
      throw err;
    }
  }

  private async validateProposal(effect: Extract<ConsensusEffect, { type: 'validateProposal' }>): Promise<void> {
    const started = this.now();
    let reason: string | null;
    let block: Block | undefined;
    try {
      block = decodeBlockOnce(effect.block);
    } catch (err) {
      reason = `undecodable block: ${(err as Error).message}`;
    }
    if (block) reason = await this.deps.executor.validateBlock(this.chain, block, effect.block.length);
    else reason ??= 'undecodable block';
    if (effect.height === this.chain.lastBlockHeight + 1) this.validationMs.set(toHex(effect.blockHash), this.now() - started);
    this.deps.onVerdict?.(effect.blockHash, reason);
    if (reason) this.deps.logger.warn({ height: effect.height, round: effect.round, reason }, 'rejected a proposed block');
    const timely = block === undefined || isTimely(block.header.time, this.now());
    if (!timely) this.deps.logger.warn({ height: effect.height, round: effect.round, aheadMs: (block as Block).header.time - this.now() }, `proposed block time is more than ${MAX_CLOCK_DRIFT_MS} ms ahead of this node's clock: prevoting nil`);
    this.enqueue({ type: 'proposalValidated', height: effect.height, round: effect.round, blockHash: effect.blockHash, valid: reason === null, timely });
  }

  private async decide(effect: Extract<ConsensusEffect, { type: 'decide' }>): Promise<void> {
    // Block sync may have applied this height already (the same block: both carry +2/3 commits).
    if (this.applying || effect.height !== this.chain.lastBlockHeight + 1) return;
    this.decidedAt = this.now();
    await this.commitBlock(decodeBlockOnce(effect.block), effect.block, effect.blockHash, effect.commit, effect.round);
  }

  /**
   * A block finalized elsewhere (block sync or catch-up): its commit was verified against the
   * validators of its height by the caller. Applied only if it is the next block and no
   * decision is being applied; answers whether it was.
   */
  async applyCommittedBlock(block: Block, blockBytes: Uint8Array, blockHash: Uint8Array, commit: Commit): Promise<boolean> {
    if (this.stopped || this.applying || block.header.height !== this.chain.lastBlockHeight + 1) return false;
    const work = this.commitBlock(block, blockBytes, blockHash, commit, commit.round);
    this.track(work);
    await work;
    return true;
  }

  /** Why `block` cannot be the next block (header checks against the chain state), or null. Never judged by our clock: it carries +2/3 precommits. */
  async checkCommittedBlock(block: Block, size: number): Promise<string | null> {
    const reason = await this.deps.executor.validateBlock(this.chain, block, size);
    this.deps.onVerdict?.(headerHash(block.header), reason);
    return reason;
  }

  /** True while a block is being stored and executed. */
  get isApplying(): boolean {
    return this.applying;
  }

  private async commitBlock(block: Block, blockBytes: Uint8Array, blockHash: Uint8Array, commit: Commit, round: number): Promise<void> {
    // Until the next height is queued, nothing else may apply a block: the core would be told to
    // start a height with the wrong last commit, or decide a block that is already applied.
    this.applying = true;
    try {
      const { blockStore, executor, mempool, events, logger } = this.deps;
      const started = this.now();
      await blockStore.saveBlock(block, blockBytes, blockHash, commit);
      const txHashes = blockTxHashes(block);
      const previous = this.chain;
      const applied = await executor.applyBlock(previous, block, blockHash);
      const applyMs = this.now() - started;
      // What the block cost this node: its validation (none for our own proposal, or one that
      // came by block sync) and applying it.
      const validateMs = this.validationMs.get(toHex(blockHash)) ?? 0;
      this.validationMs.clear();
      executor.observeCost(previous, { gas: applied.response.txResults.reduce((sum, r) => sum + r.gasWanted, 0), bytes: block.txs.reduce((sum, tx) => sum + tx.length, 0), ms: validateMs + applyMs });
      this.chain = applied.state;
      events.publishBlock({ block, hash: blockHash, response: applied.response, commit }, txHashes);
      logger.info(
        { height: block.header.height, round, txs: block.txs.length, hash: toHex(blockHash).slice(0, 16), mempool: mempool.size, validateMs, applyMs },
        'committed block',
      );
      await this.deps.wal?.startHeight(this.chain.lastBlockHeight + 1);
      this.startHeight(commit);
    } finally {
      this.applying = false;
    }
  }

  private startHeight(lastCommit: Commit | null): void {
    const height = this.chain.lastBlockHeight + 1;
    this.enqueue({
      type: 'startHeight',
      height,
      validators: this.chain.validators,
      timeouts: { ...this.chain.consensusParams.timeouts, ...this.deps.timeoutOverrides },
      lastValidators: this.chain.lastValidators,
      lastCommit,
    });
    this.deps.onStartHeight?.(height);
  }
}
