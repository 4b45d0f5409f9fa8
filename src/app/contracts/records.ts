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

/** Rule files (`*.drl`) by bundle hash, then name: decoded once per process, as entry modules are. */
const ruleFiles = new Map<string, Map<string, string>>();

export function contractRuleFile(state: StateReader, contract: Uint8Array, name: string): string | undefined {
  if (!name.endsWith('.drl')) return undefined;
  const record = readContract(state, contract);
  if (!record) return undefined;
  const id = toHex(record.bundleHash);
  let files = ruleFiles.get(id);
  if (!files) {
    const archive = state.get(bundleKey(contract));
    if (archive === undefined) return undefined;
    files = new Map(decodeBundle(archive).filter((f) => f.name.endsWith('.drl')).map((f) => [f.name, new TextDecoder().decode(f.content)]));
    if (ruleFiles.size >= MAX_CACHED_SOURCES) ruleFiles.delete(ruleFiles.keys().next().value as string);
    ruleFiles.set(id, files);
  }
  return files.get(name);
}
