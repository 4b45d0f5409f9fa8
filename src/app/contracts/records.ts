/** Deployed contracts: their record, their bundle and the entry module's source. */
import { toHex } from '../../codec/bytes.js';
import { BUNDLE_ENTRY, decodeBundle } from '../../codec/bundle.js';
import { isProcessFile } from '../../process/definition.js';
import { HOOKS_FILE } from '../hooks/declaration.js';
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

/** Files a bundle holds beside its entry module: rule files, process definitions and hooks, read by the host. */
function isHostFile(name: string): boolean {
  return name.endsWith('.drl') || isProcessFile(name) || name === HOOKS_FILE;
}

/** Rule and process files by bundle hash, then name: decoded once per process, as entry modules are. */
const hostFiles = new Map<string, Map<string, string>>();

function contractHostFiles(state: StateReader, contract: Uint8Array): ReadonlyMap<string, string> | undefined {
  const record = readContract(state, contract);
  if (!record) return undefined;
  const id = toHex(record.bundleHash);
  let files = hostFiles.get(id);
  if (!files) {
    const archive = state.get(bundleKey(contract));
    if (archive === undefined) return undefined;
    files = new Map(decodeBundle(archive).filter((f) => isHostFile(f.name)).map((f) => [f.name, new TextDecoder().decode(f.content)]));
    if (hostFiles.size >= MAX_CACHED_SOURCES) hostFiles.delete(hostFiles.keys().next().value as string);
    hostFiles.set(id, files);
  }
  return files;
}

export function contractRuleFile(state: StateReader, contract: Uint8Array, name: string): string | undefined {
  return name.endsWith('.drl') ? contractHostFiles(state, contract)?.get(name) : undefined;
}

/** The contract's process files (`*.jpdl.xml`, `*.bpmn`), name to text, in bundle order. */
export function contractProcessFiles(state: StateReader, contract: Uint8Array): [string, string][] {
  return [...(contractHostFiles(state, contract) ?? [])].filter(([name]) => isProcessFile(name));
}

/** The text of the contract's `hooks.json` (checked at deploy), or undefined when it has none or there is no contract. */
export function contractHooksFile(state: StateReader, contract: Uint8Array): string | undefined {
  return contractHostFiles(state, contract)?.get(HOOKS_FILE);
}
