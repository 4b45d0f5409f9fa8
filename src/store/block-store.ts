/**
 * Blocks, commits, execution results and the transaction index, in one LevelDB. Keys:
 *   B|height -> block      H|hash -> height     C|height -> seen commit
 *   R|height -> results    T|txhash -> TxRecord  V|height -> validator-set checkpoint
 *   S -> chain state (the node's record of where consensus and the app stand)
 *   E|evidence hash -> height of the block that carried it (committed evidence, never twice)
 *   X…, Y… -> the event index of transactions and blocks (event-index.ts), written and pruned with results
 *   I -> the first height whose results were saved with their event index (spec/rpc-search.md)
 * Heights are 8-byte big-endian so LevelDB orders them numerically.
 */
import { asView, concatBytes, readU64be, u64be, utf8 } from '../codec/bytes.js';
import { decodeBlock, headerHash, type Block } from '../codec/block.js';
import { txHash } from '../codec/tx.js';
import { decode, encode } from '../codec/schema.js';
import { Commit, type Commit as CommitT } from '../codec/vote.js';
import { BlockResults, TxLocation, type BlockResults as BlockResultsT, type TxRecord } from './records.js';
import { openLevel, openMemoryLevel, type BytesLevel } from './level.js';
import { indexKeysOf } from './event-index.js';

const BLOCK = utf8('B');
const HASH = utf8('H');
const SEEN_COMMIT = utf8('C');
const RESULTS = utf8('R');
const TX = utf8('T');
const VALIDATORS = utf8('V');
const CHAIN_STATE = utf8('S');
const EVIDENCE = utf8('E');
const INDEX_START = utf8('I');
const NO_VALUE = new Uint8Array(0);

const key = (prefix: Uint8Array, height: number): Uint8Array => concatBytes(prefix, u64be(height));

export interface StoredTx {
  hash: Uint8Array;
  index: number;
  result: TxRecord['result'];
}

export class BlockStore {
  private constructor(
    private readonly db: BytesLevel,
    private latest: number,
    private first: number,
    private indexedFrom: number,
    /** Whether results are written with their event index (the simulator's stores serve no searches). */
    private readonly indexing: boolean,
  ) {}

  static async open(dir: string): Promise<BlockStore> {
    return BlockStore.over(await openLevel(dir), true);
  }

  /**
   * A block store in this process's memory only (the simulator's validators): nothing on disk.
   * `db` reopens one an earlier store wrote. No event index: a simulated node answers no
   * searches, and thousands of runs would pay for it.
   */
  static async openInMemory(db?: BytesLevel): Promise<BlockStore> {
    return BlockStore.over(db ?? (await openMemoryLevel()), false);
  }

  private static async over(db: BytesLevel, indexing: boolean): Promise<BlockStore> {
    const bounds = async (reverse: boolean): Promise<number> => {
      for await (const k of db.keys({ gt: BLOCK, lt: concatBytes(BLOCK, new Uint8Array(8).fill(0xff)), reverse, limit: 1 })) return readU64be(k, 1);
      return 0;
    };
    const indexStart = await db.get(INDEX_START);
    return new BlockStore(db, await bounds(true), await bounds(false), indexStart === undefined ? 0 : readU64be(indexStart), indexing);
  }

  /** Height of the newest stored block (0 when empty). */
  get height(): number {
    return this.latest;
  }

  /** Height of the oldest stored block (0 when empty). */
  get base(): number {
    return this.first;
  }

  /**
   * The first height saved with its event index (0 before any): a database written before the
   * index existed has none below it, so searches start here (spec/rpc-search.md).
   */
  get indexStart(): number {
    return this.indexedFrom;
  }

  /** Stores a decided block with the commit that decided it; durable (fsync) before it returns. */
  async saveBlock(block: Block, blockBytes: Uint8Array, hash: Uint8Array, seenCommit: CommitT): Promise<void> {
    const h = block.header.height;
    await this.db.batch(
      [
        { type: 'put', key: key(BLOCK, h), value: blockBytes },
        { type: 'put', key: concatBytes(HASH, hash), value: u64be(h) },
        { type: 'put', key: key(SEEN_COMMIT, h), value: encode(Commit, seenCommit) },
      ],
      { sync: true },
    );
    if (h > this.latest) this.latest = h;
    if (this.first === 0) this.first = h;
  }

  async loadBlockBytes(height: number): Promise<Uint8Array | undefined> {
    const raw = await this.db.get(key(BLOCK, height));
    return raw === undefined ? undefined : asView(raw);
  }

  async loadBlock(height: number): Promise<Block | undefined> {
    const raw = await this.loadBlockBytes(height);
    return raw === undefined ? undefined : decodeBlock(raw);
  }

  async heightOfHash(hash: Uint8Array): Promise<number | undefined> {
    const raw = await this.db.get(concatBytes(HASH, hash));
    return raw === undefined ? undefined : readU64be(raw);
  }

  async loadSeenCommit(height: number): Promise<CommitT | undefined> {
    const raw = await this.db.get(key(SEEN_COMMIT, height));
    return raw === undefined ? undefined : decode(Commit, raw, 'commit');
  }

  /** The canonical commit of `height` is the one the next block carries; the newest block has only its seen commit. */
  async loadCommit(height: number): Promise<CommitT | undefined> {
    const next = await this.loadBlock(height + 1);
    if (next) return next.lastCommit;
    return this.loadSeenCommit(height);
  }

  /**
   * Execution results, the transaction index and the event index of one block, in one batch, so
   * results and index never disagree. Results saved again for a height (a replay) replace the
   * entries of the ones before.
   */
  async saveResults(results: BlockResultsT, txHashes: readonly Uint8Array[]): Promise<void> {
    const previous = this.indexing ? await this.loadResults(results.height) : undefined;
    const batch = this.db.batch();
    if (previous) for (const k of indexKeysOf(previous)) batch.del(k);
    batch.put(key(RESULTS, results.height), encode(BlockResults, results));
    results.txResults.forEach((_, index) => {
      batch.put(concatBytes(TX, txHashes[index] as Uint8Array), encode(TxLocation, { height: results.height, index }));
    });
    if (this.indexing) for (const k of indexKeysOf(results)) batch.put(k, NO_VALUE);
    const starts = this.indexing && this.indexedFrom === 0;
    if (starts) batch.put(INDEX_START, u64be(results.height));
    await batch.write();
    if (starts) this.indexedFrom = results.height;
  }

  /** A block's results as stored (undecoded), for readers that count what they decode. */
  async loadResultsBytes(height: number): Promise<Uint8Array | undefined> {
    const raw = await this.db.get(key(RESULTS, height));
    return raw === undefined ? undefined : asView(raw);
  }

  /** Stored results at heights `from`..`to` (inclusive) that exist, in height order (`reverse`: newest first), undecoded. */
  async *resultsBytesBetween(from: number, to: number, reverse: boolean): AsyncGenerator<{ height: number; bytes: Uint8Array }> {
    if (from > to) return;
    for await (const [k, v] of this.db.iterator({ gte: key(RESULTS, from), lte: key(RESULTS, to), reverse })) {
      yield { height: readU64be(k, 1), bytes: asView(v) };
    }
  }

  /** Event-index keys (event-index.ts) in [gte, lt), in key order or reversed. */
  async *indexEntries(gte: Uint8Array, lt: Uint8Array, reverse: boolean): AsyncGenerator<Uint8Array> {
    for await (const k of this.db.keys({ gte, lt, reverse })) yield asView(k);
  }

  async loadResults(height: number): Promise<BlockResultsT | undefined> {
    const raw = await this.db.get(key(RESULTS, height));
    return raw === undefined ? undefined : decode(BlockResults, raw, 'block results');
  }

  async loadTx(hash: Uint8Array): Promise<TxRecord | undefined> {
    const raw = await this.db.get(concatBytes(TX, hash));
    if (raw === undefined) return undefined;
    const { height, index } = decode(TxLocation, raw, 'tx location');
    const [block, results] = await Promise.all([this.loadBlock(height), this.loadResults(height)]);
    const tx = block?.txs[index];
    const result = results?.txResults[index];
    return tx && result ? { height, index, tx, result } : undefined;
  }

  async saveChainState(state: Uint8Array): Promise<void> {
    await this.db.put(CHAIN_STATE, state, { sync: true });
  }

  async loadChainState(): Promise<Uint8Array | undefined> {
    const raw = await this.db.get(CHAIN_STATE);
    return raw === undefined ? undefined : asView(raw);
  }

  /**
   * Deletes blocks, their commits, results, indexed transactions and event-index entries below `height`, oldest
   * first, in batches; validator checkpoints and committed-evidence records stay (evidence
   * checks need them). Returns how many blocks went.
   */
  async pruneBelow(height: number): Promise<number> {
    let pruned = 0;
    while (this.first > 0 && this.first < height && this.first < this.latest) {
      const h = this.first;
      const block = await this.loadBlock(h);
      const results = this.indexing ? await this.loadResults(h) : undefined;
      const batch = this.db.batch();
      batch.del(key(BLOCK, h));
      batch.del(key(SEEN_COMMIT, h));
      batch.del(key(RESULTS, h));
      // A pruned height is not searchable: its event-index entries go with its results.
      if (results) for (const k of indexKeysOf(results)) batch.del(k);
      if (block) {
        batch.del(concatBytes(HASH, headerHash(block.header)));
        // A transaction's hash names its last place (a replayed copy in a later block takes it
        // over): only an entry that still points here goes with this height.
        for (const tx of block.txs) {
          const entry = concatBytes(TX, txHash(tx));
          const place = await this.db.get(entry);
          if (place !== undefined && decode(TxLocation, asView(place), 'tx location').height === h) batch.del(entry);
        }
      }
      await batch.write();
      this.first = h + 1;
      pruned++;
    }
    return pruned;
  }

  /** Records evidence a committed block carried, so it is never accepted again. */
  async saveCommittedEvidence(height: number, evidenceHashes: readonly Uint8Array[]): Promise<void> {
    if (evidenceHashes.length === 0) return;
    await this.db.batch(evidenceHashes.map((h) => ({ type: 'put' as const, key: concatBytes(EVIDENCE, h), value: u64be(height) })));
  }

  /** The height of the block that carried this evidence, if one did. */
  async committedEvidenceHeight(evidenceHash: Uint8Array): Promise<number | undefined> {
    const raw = await this.db.get(concatBytes(EVIDENCE, evidenceHash));
    return raw === undefined ? undefined : readU64be(raw, 0);
  }

  /** A validator set as it stands at `height`, stored where the set changes. */
  async saveValidatorCheckpoint(height: number, encodedSet: Uint8Array): Promise<void> {
    await this.db.put(key(VALIDATORS, height), encodedSet);
  }

  /** The newest checkpoint at or below `height`. */
  async loadValidatorCheckpoint(height: number): Promise<{ height: number; set: Uint8Array } | undefined> {
    for await (const [k, v] of this.db.iterator({ gte: key(VALIDATORS, 0), lte: key(VALIDATORS, height), reverse: true, limit: 1 })) {
      return { height: readU64be(k, 1), set: asView(v) };
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
