/** Deployed contracts: their record, their bundle and the entry module's source. */
import { toHex } from '../../codec/bytes.js';
import { BUNDLE_ENTRY, decodeBundle } from '../../codec/bundle.js';
import type { StateReader } from '../../state/overlay.js';
import { bundleKey, decodeRecord, recordKey, type ContractRecord } from './layout.js';

export function readContract(state: StateReader, contract: Uint8Array): ContractRecord | undefined {
  const raw = state.get(recordKey(contract));
  return raw === undefined ? undefined : decodeRecord(raw);
}

/**
 * Entry modules by bundle hash. A bundle never changes once deployed, so its source is decoded
 * once per process; the record is still read from state on every call, so a call's read set
 * names the contract it ran.
 */
const sources = new Map<string, string>();
const MAX_CACHED_SOURCES = 1_000;

export function contractCode(state: StateReader, contract: Uint8Array): string | undefined {
  const record = readContract(state, contract);
  if (!record) return undefined;
  const id = toHex(record.bundleHash);
  const cached = sources.get(id);
  if (cached !== undefined) return cached;
  const archive = state.get(bundleKey(contract));
  if (archive === undefined) return undefined;
  const entry = decodeBundle(archive).find((f) => f.name === BUNDLE_ENTRY);
  const source = new TextDecoder().decode(entry?.content);
  if (sources.size >= MAX_CACHED_SOURCES) sources.delete(sources.keys().next().value as string);
  sources.set(id, source);
  return source;
}
