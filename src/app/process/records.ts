/**
 * Where process instances and their timers live in state (spec/processes.md, "In contracts").
 * A contract's instances and steps are rows of its table `#process`, a name contracts cannot
 * give `db` (so only the process API writes them); the timers of every contract wait in one
 * ordered queue, by due height or due time, then contract, instance and token, so every node
 * fires them in the same order. CMT deposited for timers is counted as one pool for the supply.
 */
import { bytesFromKey, bytesKey, concatBytes, readU64be, u64be, utf8 } from '../../codec/bytes.js';
import { decode, encode, uint } from '../../codec/schema.js';
import type { ProcessInstance, ProcessStep } from '../../process/instance.js';
import { ORDERED_PREFIX } from '../../state/ordered-keys.js';
import type { Overlay, StateReader } from '../../state/overlay.js';
import { CmtError } from '../../codec/errors.js';
import { tablePrefix } from '../contracts/layout.js';

/** Instances are strings of digits; at most this many per contract. */
export const MAX_INSTANCE_ID = 999_999_999_999;

const TABLE = '#process';
const DEPOSITS = utf8('proc/deposits');
const TIMERS = `${ORDERED_PREFIX}pt/`;
const BY_HEIGHT = `${TIMERS}h`;
const BY_TIME = `${TIMERS}t`;

const padded = (n: number, width: number): string => String(n).padStart(width, '0');

function row(contract: Uint8Array, key: string): Uint8Array {
  return concatBytes(tablePrefix(contract, TABLE), utf8(key));
}

export function instanceKey(contract: Uint8Array, id: number): Uint8Array {
  return row(contract, `i/${padded(id, 12)}`);
}

export function stepKey(contract: Uint8Array, id: number, seq: number): Uint8Array {
  return row(contract, `s/${padded(id, 12)}/${padded(seq, 10)}`);
}

/** The latin1 prefix of an instance's steps, for listing them in order. */
export function stepsPrefix(contract: Uint8Array, id: number): string {
  return bytesKey(row(contract, `s/${padded(id, 12)}/`));
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The next instance id of a contract, counted from 1; undefined once every id is used. */
export function takeInstanceId(state: Overlay, contract: Uint8Array): number | undefined {
  const raw = state.get(row(contract, 'n'));
  const id = raw === undefined ? 1 : Number(decoder.decode(raw));
  if (id > MAX_INSTANCE_ID) return undefined;
  state.set(row(contract, 'n'), utf8(String(id + 1)));
  return id;
}

/**
 * An instance; `pay` is told the stored row's size before it is decoded (and throws to stop
 * the read: out of gas), as a contract's `db.get` is.
 */
export function readInstance(state: StateReader, contract: Uint8Array, id: number, pay: (bytes: number) => void = () => undefined): ProcessInstance | undefined {
  const raw = state.get(instanceKey(contract, id));
  if (raw === undefined) return undefined;
  pay(raw.length);
  return JSON.parse(decoder.decode(raw)) as ProcessInstance;
}

export function writeInstance(state: Overlay, contract: Uint8Array, instance: ProcessInstance, bytes: Uint8Array): void {
  state.set(instanceKey(contract, Number(instance.id)), bytes);
}

export function writeStep(state: Overlay, contract: Uint8Array, id: number, step: ProcessStep, bytes: Uint8Array): void {
  state.set(stepKey(contract, id, step.seq), bytes);
}

/** A timer in the queue: when it is due, and whose. */
export interface TimerEntry {
  by: 'height' | 'time';
  due: number;
  contract: Uint8Array;
  instance: number;
  token: number;
}

export function timerKey(t: TimerEntry): Uint8Array {
  const head = utf8(t.by === 'height' ? BY_HEIGHT : BY_TIME);
  const tail = new Uint8Array(4);
  new DataView(tail.buffer).setUint32(0, t.token);
  return concatBytes(head, u64be(t.due), t.contract, u64be(t.instance), tail);
}

function timerFromKey(key: Uint8Array, by: TimerEntry['by']): TimerEntry {
  const at = (by === 'height' ? BY_HEIGHT : BY_TIME).length;
  return {
    by,
    due: readU64be(key, at),
    contract: key.slice(at + 8, at + 28),
    instance: readU64be(key, at + 28),
    token: new DataView(key.buffer, key.byteOffset + at + 36, 4).getUint32(0),
  };
}

/** The queue's timers due by `height` or `time`, in queue order (heights first), at most `limit`. */
export function dueTimers(state: Overlay, height: number, time: number, limit: number): TimerEntry[] {
  const out: TimerEntry[] = [];
  for (const [prefix, by, now] of [
    [BY_HEIGHT, 'height', height],
    [BY_TIME, 'time', time],
  ] as const) {
    for (const k of state.orderedKeys(prefix)) {
      if (out.length >= limit) return out;
      const entry = timerFromKey(bytesFromKey(k), by);
      if (entry.due > now) break;
      out.push(entry);
    }
  }
  return out;
}

export function readProcessDeposits(state: StateReader): bigint {
  const raw = state.get(DEPOSITS);
  return raw === undefined ? 0n : decode(uint(256), raw, 'process deposits');
}

export function addToProcessDeposits(state: Overlay, delta: bigint): void {
  const next = readProcessDeposits(state) + delta;
  if (next < 0n) throw new CmtError('PROCESS_INVARIANT', 'the process deposits pool would go negative');
  state.set(DEPOSITS, encode(uint(256), next));
}
