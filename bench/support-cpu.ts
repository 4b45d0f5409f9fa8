/**
 * CPU a node spends per committed transaction, in units of one Ed25519 signature verification
 * measured in the same run (spec/performance.md, "CPU budget"): absolute figures move between
 * machines, the ratio much less. The budget is 3 verifications' worth per transfer per node.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const CPU_BUDGET_VERIFICATIONS = 3;

let clockTicks: number | undefined;

/** User + system CPU seconds in a /proc stat file (a process's or one thread's); NaN when it cannot be read (not Linux, or gone). */
function statCpuSeconds(path: string): number {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ", field 3 (state) is index 0: utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/** CPU seconds of a process's main thread (its thread id is its pid) and of all its other threads together. */
export function threadCpuSeconds(pid: number): { main: number; others: number } {
  const main = statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
  return { main, others: cpuSeconds(pid) - main };
}

/**
 * Milliseconds of one `node:crypto` Ed25519 verification of a transfer-sized message, with the
 * public key already parsed (as the node caches it): the best of a few rounds, after a warm-up.
 */
export function verificationMs(rounds = 5, perRound = 2_000): number {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const key = createPublicKey({ key: publicKey.export({ format: 'der', type: 'spki' }), format: 'der', type: 'spki' });
  const message = Buffer.alloc(160, 7);
  const signature = sign(null, message, privateKey);
  for (let i = 0; i < perRound; i++) verify(null, message, key, signature);
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) if (!verify(null, message, key, signature)) throw new Error('verification failed');
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6 / perRound);
  }
  return best;
}

/** The line every node benchmark prints: CPU per committed transaction per node, a verification's cost, their ratio. */
export function cpuBudgetLine(nodeCpuSeconds: readonly number[], committed: number, verifyMs: number): string {
  const perNodeMs = (nodeCpuSeconds.reduce((a, b) => a + b, 0) / nodeCpuSeconds.length / (committed || 1)) * 1000;
  const ratio = perNodeMs / verifyMs;
  return (
    `cpu per committed tx per node: ${perNodeMs.toFixed(3)} ms; one Ed25519 verification (node:crypto, this run): ${verifyMs.toFixed(3)} ms; ` +
    `ratio ${ratio.toFixed(1)} verifications (budget ${CPU_BUDGET_VERIFICATIONS}: ${ratio <= CPU_BUDGET_VERIFICATIONS ? 'within' : 'ABOVE'})`
  );
}
