/**
 * Test files and the CIDs they have under the chain's profile (unixfs-v1-2025), written down
 * once in spec/files.md ("Test vectors"). Any IPFS implementation set to that profile (kubo:
 * `ipfs add --cid-version=1 --raw-leaves --chunker=size-1048576`) computes the same.
 */
export const PINNED_CIDS = {
  empty: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
  helloWorld: 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4',
  sevens1MiB: 'bafkreicrwexlqodtfn4gwtkfyzqks5g56odavyeqqt6ssp5g4xpumwa2nq',
  pattern2_5MiB: 'bafybeidxe4am2nvx3w5iyfangvuvciwfpyqrpyiy3pgsjoritqsphnlsha',
} as const;

/** The deterministic pattern: byte i is (31·i + 7) mod 256. */
export function patternBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + 7) & 255;
  return out;
}
