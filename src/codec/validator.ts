/** A validator as the header's validators hash sees it: its consensus key and voting power. */
import { merkleRoot } from './merkle.js';
import { encode, fixedBytes, safeUint, struct, type Infer } from './schema.js';

export const ValidatorEntry = struct('Validator', {
  publicKey: fixedBytes(32),
  power: safeUint,
});
export type ValidatorEntry = Infer<typeof ValidatorEntry>;

/** Merkle root over the set in its canonical order (power descending, address ascending). */
export function validatorsHash(validators: readonly ValidatorEntry[]): Uint8Array {
  return merkleRoot(validators.map((v) => encode(ValidatorEntry, { publicKey: v.publicKey, power: v.power })));
}
