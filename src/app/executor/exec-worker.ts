/**
 * Piscina tasks of the execution pool: speculative execution of a batch of transactions
 * against the committed state, read straight from the state database's flat table (opened
 * with multithreading, so this thread shares the main thread's LevelDB), and signature checks.
 */
import { ClassicLevel } from 'classic-level';
import { flatKey } from '../../state/layout.js';
import { useMeteredQuickJsModule } from '../../contracts/quickjs-engine.js';
import { loadContractRuntime } from '../contracts/runtime.js';
import { executeBatch, PreBlockReader, type BatchInput, type SpeculativeTx } from './speculative-batch.js';
import { runWarmUpBlock } from './warm-up-block.js';

export { default as verifyBatch } from './verify-worker.js';

export interface ExecuteBatchTask extends BatchInput {
  stateDir: string;
  baseKeys: string[];
  baseValues: (Uint8Array | null)[];
}

const databases = new Map<string, Promise<ClassicLevel<Buffer, Buffer>>>();

function database(dir: string): Promise<ClassicLevel<Buffer, Buffer>> {
  let db = databases.get(dir);
  if (!db) {
    const level = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', multithreading: true });
    db = level.open().then(() => level);
    databases.set(dir, db);
  }
  return db;
}

/** The batch's results and the milliseconds this thread spent executing them. */
export async function executeBatchTask(task: ExecuteBatchTask): Promise<{ results: SpeculativeTx[]; ms: number }> {
  const started = performance.now();
  const [db] = await Promise.all([database(task.stateDir), loadContractRuntime()]);
  const base = new Map<string, Uint8Array | null>();
  task.baseKeys.forEach((k, i) => base.set(k, task.baseValues[i] ?? null));
  const reader = new PreBlockReader(base, (key) => {
    const value = db.getSync(flatKey(key));
    return value === undefined ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.length);
  });
  const results = executeBatch(reader, task);
  return { results, ms: performance.now() - started };
}

/**
 * Opens the database, loads the contract runtime on the process's compiled engine module, and
 * runs a synthetic block (warm-up-block.ts), so the first real block pays for none of it.
 */
export async function warmUp(task: { stateDir: string; engine: WebAssembly.Module }): Promise<void> {
  useMeteredQuickJsModule(task.engine);
  await Promise.all([database(task.stateDir), loadContractRuntime()]);
  runWarmUpBlock();
}

/** Closes this thread's database handles (the pool calls it on every thread before it stops). */
export async function closeDatabases(): Promise<void> {
  const open = [...databases.values()];
  databases.clear();
  await Promise.all(open.map(async (db) => (await db).close()));
}
