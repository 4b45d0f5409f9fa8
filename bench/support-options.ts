/** What the benchmarks share: numeric `--kebab-case value` options and percentiles. */

/** The load both transfer benchmarks generate: pre-signed transfers from many senders through the RPC. */
export interface LoadOptions {
  txs: number;
  senders: number;
  /** Closed loop: at most this many transactions outstanding. */
  window: number;
  /** Open loop when above 0: transactions per second offered. */
  rate: number;
  batch: number;
  connections: number;
  blockTime: number;
  /** The gas price offered, as a multiple of the chain's minimum: a wallet's fee cap above the base fee. */
  feeCap: number;
}

/** Parses `--some-option N` pairs over `defaults` (camelCase keys); an unknown option is an error naming `file`. */
export function parseNumericOptions<T extends { [K in keyof T]: number }>(args: string[], defaults: T, file: string): T {
  const options: Record<string, number> = { ...defaults };
  for (let i = 0; i < args.length; i += 2) {
    const key = (args[i] ?? '').replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const value = Number(args[i + 1]);
    if (!(key in options) || !Number.isFinite(value)) throw new Error(`unknown option ${args[i]} (see bench/${file})`);
    options[key] = value;
  }
  return options as T;
}

/** The p-th percentile of ascending `sorted` (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
