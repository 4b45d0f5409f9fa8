/** Reading one schema-encoded record from state: the value decoded, or undefined when absent. */
import { decode, type Codec } from '../codec/schema.js';
import type { StateReader } from './overlay.js';

export function readRecord<T>(state: StateReader, key: Uint8Array, codec: Codec<T>, what: string): T | undefined {
  const raw = state.get(key);
  return raw === undefined ? undefined : decode(codec, raw, what);
}
