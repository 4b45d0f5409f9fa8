/**
 * What registering a file costs and how large one may be (spec/files.md, "Fees and limits").
 * Protocol constants: changing one changes every node's results, so it is a new version.
 *
 * Storage is paid once, in gas per started KiB, because every node keeps every registered file
 * for ever. At the largest file (64 MiB) a registration uses 65,586,000 gas: about 13% of a
 * block's 500,000,000, so it always fits, and 0.066 CMT at the minimum gas price.
 */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
export const FILE_GAS = {
  /** The record, the index entry and the event. */
  register: 50_000,
  perKiB: 1_000,
} as const;

/** Gas of registering a file of `size` bytes. */
export function registerFileGas(size: number): number {
  return FILE_GAS.register + FILE_GAS.perKiB * Math.ceil(size / 1024);
}
