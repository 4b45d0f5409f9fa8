/**
 * The subscription query language, a subset of CometBFT's: conditions `key='text'` or
 * `key=number` joined by AND, e.g. `tm.event='Tx' AND transfer.recipient='0x…'`.
 */
import { invalidParams } from './errors.js';

export interface EventQuery {
  readonly text: string;
  readonly conditions: ReadonlyArray<{ key: string; value: string }>;
}

/** Each event key with every value it takes, e.g. "tm.event" -> ["Tx"]. */
export type EventTags = Map<string, string[]>;

const CONDITION = /^([A-Za-z0-9_.\-]+)\s*=\s*(?:'([^']*)'|(\d+))$/;

export function parseEventQuery(text: string): EventQuery {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > 512) throw invalidParams('query must be 1-512 characters, e.g. tm.event=\'NewBlock\'');
  const conditions = trimmed.split(/\s+AND\s+/).map((part) => {
    const m = CONDITION.exec(part.trim());
    if (!m) throw invalidParams(`cannot parse query condition "${part}": use key='value' or key=number, joined by AND`);
    return { key: m[1] as string, value: (m[2] ?? m[3]) as string };
  });
  return { text: trimmed, conditions };
}

export function matches(query: EventQuery, tags: EventTags): boolean {
  return query.conditions.every((c) => tags.get(c.key)?.includes(c.value) ?? false);
}

export function addTag(tags: EventTags, key: string, value: string): void {
  const list = tags.get(key);
  if (list) list.push(value);
  else tags.set(key, [value]);
}
