/**
 * Where contracts live in state (spec/contracts.md, "State layout"). A contract's balance is
 * an ordinary account; its record and bundle sit under "ct/"; its tables sit under the
 * ordered prefix so `db.range` can list them in key order.
 */
import { concatBytes, utf8 } from '../../codec/bytes.js';
import { sha256 } from '../../codec/hash.js';
import { decode, encode, fixedBytes, safeUint, struct, type Infer } from '../../codec/schema.js';
import { ORDERED_PREFIX } from '../../state/ordered-keys.js';

export const ContractRecord = struct('ContractRecord', {
  bundleHash: fixedBytes(32),
  deployer: fixedBytes(20),
  deployedAt: safeUint,
});
export type ContractRecord = Infer<typeof ContractRecord>;

const RECORD = utf8('ct/m/');
const BUNDLE = utf8('ct/b/');
const TABLES = utf8(`${ORDERED_PREFIX}c/`);
const ADDRESS_DOMAIN = utf8('cmt/contract/v1\0');

export const MAX_TABLE_NAME_BYTES = 64;
export const MAX_KEY_BYTES = 512;
const TABLE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The first 20 bytes of sha256(domain || deployer || nonce as 8 bytes big-endian). */
export function contractAddress(deployer: Uint8Array, nonce: number): Uint8Array {
  const n = new Uint8Array(8);
  new DataView(n.buffer).setBigUint64(0, BigInt(nonce));
  return sha256(concatBytes(ADDRESS_DOMAIN, deployer, n)).subarray(0, 20);
}

export function recordKey(contract: Uint8Array): Uint8Array {
  return concatBytes(RECORD, contract);
}

export function bundleKey(contract: Uint8Array): Uint8Array {
  return concatBytes(BUNDLE, contract);
}

export function encodeRecord(record: ContractRecord): Uint8Array {
  return encode(ContractRecord, record);
}

export function decodeRecord(bytes: Uint8Array): ContractRecord {
  return decode(ContractRecord, bytes, 'contract record');
}

/** Returns an error text for a table name contracts may not use. */
export function tableNameError(table: string): string | undefined {
  return TABLE_NAME.test(table) ? undefined : `table name "${table.slice(0, 80)}" must be 1-64 letters, digits, '_', '.' or '-'`;
}

/** The prefix of one table: its rows are this followed by the key's UTF-8 bytes. */
export function tablePrefix(contract: Uint8Array, table: string): Uint8Array {
  const name = utf8(table);
  return concatBytes(TABLES, contract, Uint8Array.of(name.length), name);
}
