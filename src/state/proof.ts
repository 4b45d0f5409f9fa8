/**
 * State proofs (spec/state.md, "Proofs"): the path from the root to where a key's hash leads,
 * verified by a client that knows only a block header's app hash. Pure: no store, no disk.
 */
import { bytesEqual } from '../codec/bytes.js';
import { sha256 } from '../codec/hash.js';
import { fixedBytes, list, struct, union, type Infer } from '../codec/schema.js';

/** Nibbles in a 256-bit key hash: the deepest a path can go. */
export const MAX_PROOF_DEPTH = 64;

/** One branch on the path: its bitmap and the hashes of its children other than the path's. */
export const ProofStep = struct('ProofStep', {
  /** Bit i (of the big-endian 16-bit integer) set = a child at nibble i. */
  bitmap: fixedBytes(2),
  /** Hashes of the other present children, in nibble order (all of them when the path's slot is empty). */
  siblings: list(fixedBytes(32), 16),
});
export type ProofStep = Infer<typeof ProofStep>;

/** Where the path ends. */
export const ProofTerminal = union('ProofTerminal', {
  /** The key's own leaf: inclusion (the verifier supplies the value). */
  leaf: [0, struct('KeyLeaf', {})],
  /** The path's slot in the last step's branch is empty (or the trie is empty): absence. */
  empty: [1, struct('EmptySlot', {})],
  /** Another key's leaf sits where the key would be: absence. */
  otherLeaf: [2, struct('OtherLeaf', { keyHash: fixedBytes(32), valueHash: fixedBytes(32) })],
});
export type ProofTerminal = Infer<typeof ProofTerminal>;

export const StateProof = struct('StateProof', {
  steps: list(ProofStep, MAX_PROOF_DEPTH),
  terminal: ProofTerminal,
});
export type StateProof = Infer<typeof StateProof>;

/** The root of the empty state: 32 zero bytes. */
export const EMPTY_STATE_ROOT: Uint8Array = new Uint8Array(32);

function nibble(keyHash: Uint8Array, depth: number): number {
  const byte = keyHash[depth >>> 1] as number;
  return depth & 1 ? byte & 0x0f : byte >>> 4;
}

function leafHash(keyHash: Uint8Array, valueHash: Uint8Array): Uint8Array {
  const pre = new Uint8Array(65);
  pre[0] = 0x00;
  pre.set(keyHash, 1);
  pre.set(valueHash, 33);
  return sha256(pre);
}

/**
 * True when `proof` shows that, in the trie whose root is `root`, `key` holds `value`
 * (inclusion) or, when `value` is undefined, that `key` is absent. Never throws on a
 * malformed proof: anything that does not recompute `root` exactly is false.
 */
export function verifyStateProof(root: Uint8Array, key: Uint8Array, value: Uint8Array | undefined, proof: StateProof): boolean {
  if (root.length !== 32 || proof.steps.length > MAX_PROOF_DEPTH) return false;
  const keyHash = sha256(key);
  const depth = proof.steps.length;
  const terminal = proof.terminal;
  // The hash of the subtree at the end of the path; null for an empty slot.
  let current: Uint8Array | null;
  switch (terminal.type) {
    case 'leaf':
      if (value === undefined) return false;
      current = leafHash(keyHash, sha256(value));
      break;
    case 'otherLeaf': {
      if (value !== undefined) return false;
      const other = terminal.keyHash;
      if (other.length !== 32 || terminal.valueHash.length !== 32 || bytesEqual(other, keyHash)) return false;
      // The other leaf must sit on this key's path, or it says nothing about this key.
      for (let d = 0; d < depth; d++) if (nibble(other, d) !== nibble(keyHash, d)) return false;
      current = leafHash(other, terminal.valueHash);
      break;
    }
    case 'empty':
      if (value !== undefined) return false;
      current = null;
      break;
    default:
      return false;
  }
  for (let d = depth - 1; d >= 0; d--) {
    const step = proof.steps[d] as ProofStep;
    if (step.bitmap.length !== 2) return false;
    const bitmap = ((step.bitmap[0] as number) << 8) | (step.bitmap[1] as number);
    const n = nibble(keyHash, d);
    const onPath = (bitmap & (1 << n)) !== 0;
    // Only the last step may have an empty slot on the path, and only for an empty terminal.
    if (onPath !== (current !== null)) return false;
    let present = 0;
    for (let b = bitmap; b !== 0; b &= b - 1) present++;
    if (present === 0 || step.siblings.length !== present - (onPath ? 1 : 0)) return false;
    const pre = new Uint8Array(3 + 32 * present);
    pre[0] = 0x01;
    pre[1] = bitmap >>> 8;
    pre[2] = bitmap & 0xff;
    let offset = 3;
    let s = 0;
    for (let c = 0; c < 16; c++) {
      if ((bitmap & (1 << c)) === 0) continue;
      const child = c === n ? (current as Uint8Array) : (step.siblings[s++] as Uint8Array);
      if (child.length !== 32) return false;
      pre.set(child, offset);
      offset += 32;
    }
    current = sha256(pre);
  }
  return bytesEqual(current ?? EMPTY_STATE_ROOT, root);
}
