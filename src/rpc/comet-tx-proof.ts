/**
 * CometBFT's TxProof for `tx?prove=true`: the Merkle path (RFC 6962, as merkle.ts) from a
 * transaction's hash to the block's data_hash, so a client checks inclusion against a header
 * exactly as it would on CometBFT (aunts from the leaf up).
 */
import { sha256 } from '../codec/hash.js';
import { merkleRoot } from '../codec/merkle.js';

const leafHash = (item: Uint8Array): Uint8Array => sha256(Buffer.concat([Uint8Array.of(0), item]));

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The sibling hashes from the leaf at `index` up to the root, lowest first. */
function aunts(items: readonly Uint8Array[], index: number): Uint8Array[] {
  if (items.length <= 1) return [];
  const k = splitPoint(items.length);
  return index < k ? [...aunts(items.slice(0, k), index), merkleRoot(items.slice(k))] : [...aunts(items.slice(k), index - k), merkleRoot(items.slice(0, k))];
}

export interface TxProofView {
  root_hash: string;
  data: string;
  proof: { total: string; index: string; leaf_hash: string; aunts: string[] };
}

/** The proof of `txs[index]` in its block. */
export function txProofView(txs: readonly Uint8Array[], index: number): TxProofView {
  const hashes = txs.map((tx) => sha256(tx));
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
  return {
    root_hash: Buffer.from(merkleRoot(hashes)).toString('hex').toUpperCase(),
    data: b64(txs[index] as Uint8Array),
    proof: { total: String(txs.length), index: String(index), leaf_hash: b64(leafHash(hashes[index] as Uint8Array)), aunts: aunts(hashes, index).map(b64) },
  };
}
