import { cpus, totalmem, platform, release } from 'node:os';

/** One line describing where a benchmark ran, printed with every figure. */
export function machineLine(): string {
  const cpu = cpus();
  const model = cpu[0]?.model.trim() ?? 'unknown cpu';
  return `machine: ${model}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}, node ${process.version}`;
}
