/**
 * A timer's due text into blocks or block time (spec/processes.md, "Timers"). jPDL writes
 * `duedate="3 days"`; BPMN writes ISO 8601: `timeDuration` `PT30S`, `P1DT2H`, and `timeDate`
 * `2027-01-01T00:00:00Z`. Both also take `N blocks`: timers count blocks or block time, never
 * a node's clock. Months and years are refused (their length depends on the date).
 */
import type { TimerDue } from './model.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const UNIT_MS: Readonly<Record<string, number>> = { second: SECOND, seconds: SECOND, minute: MINUTE, minutes: MINUTE, hour: HOUR, hours: HOUR, day: DAY, days: DAY, week: WEEK, weeks: WEEK };

/** A hundred years of block time, or as many blocks: later is refused as a mistake. */
const MAX_MS = 100 * 365 * DAY;
const MAX_BLOCKS = 1_000_000_000;

/** `N blocks` or `N seconds|minutes|hours|days|weeks` (jPDL), or an ISO 8601 duration (BPMN); null if it is neither. */
export function parseDuration(text: string): TimerDue | null {
  const t = text.trim();
  const words = /^(\d{1,10})\s+([a-z]+)$/i.exec(t);
  if (words) {
    const count = Number(words[1]);
    const unit = (words[2] as string).toLowerCase();
    if (unit === 'block' || unit === 'blocks') return count >= 1 && count <= MAX_BLOCKS ? { kind: 'blocks', count } : null;
    const ms = UNIT_MS[unit];
    return ms !== undefined && count * ms <= MAX_MS ? { kind: 'after', ms: count * ms } : null;
  }
  const iso = /^P(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,9})(?:\.(\d{1,3}))?S)?)?$/.exec(t);
  if (!iso || t === 'P' || t.endsWith('T')) return null;
  const [, w, d, h, m, s, frac] = iso;
  const ms = Number(w ?? 0) * WEEK + Number(d ?? 0) * DAY + Number(h ?? 0) * HOUR + Number(m ?? 0) * MINUTE + Number(s ?? 0) * SECOND + Number((frac ?? '').padEnd(3, '0'));
  return ms > 0 && ms <= MAX_MS ? { kind: 'after', ms } : null;
}

/** An ISO 8601 date-time with a zone (`Z` or `±hh:mm`), as block time; null otherwise. */
export function parseDate(text: string): TimerDue | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?:Z|([+-])(\d{2}):(\d{2}))$/.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offset = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  // Every field in its range, checked here rather than left to the engine's Date.parse (V8 rolls 02-30 over to March).
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 59 || Math.abs(offset) > 14 * 60 || Number(m[10] ?? 0) > 59) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, Number((m[7] ?? '').padEnd(3, '0'))) - offset * 60_000;
  return ms >= 0 ? { kind: 'at', ms } : null;
}

/** When a timer armed at (height, time) fires, as the height or block time it waits for. */
export function dueAt(due: TimerDue, height: number, time: number): { height: number } | { time: number } {
  if (due.kind === 'blocks') return { height: height + due.count };
  if (due.kind === 'after') return { time: time + due.ms };
  return { time: due.ms };
}
