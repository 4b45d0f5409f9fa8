/** When faults end, the simulated GST they define, and how a fault reads in a trace. */
import type { FaultEvent } from './scenario-types.js';

/** A fault's start or end as the run applied it (`SimRun.appliedFaults`). */
export interface AppliedFault {
  at: number;
  phase: 'start' | 'end';
  index: number;
}

/**
 * When a fault scheduled by time ends: `until` / `restart_at`, or `at + forMs`. Undefined for
 * a fault that never ends, and for a triggered one (`when`): it ends `forMs` after whenever its
 * trigger matches, which only the run knows.
 */
export function endOf(f: FaultEvent): number | undefined {
  if (f.when !== undefined) return undefined;
  switch (f.type) {
    case 'crash':
      return f.restartAt ?? (f.forMs !== undefined ? f.at + f.forMs : undefined);
    case 'clockSkew':
    case 'clockDrift':
      return undefined;
    default:
      return f.until ?? (f.forMs !== undefined ? f.at + f.forMs : undefined);
  }
}

/** Clock faults last for ever by design and do not hold back GST: the protocol must live with a wrong clock. */
const permanentByDesign = (f: FaultEvent): boolean => f.type === 'clockSkew' || f.type === 'clockDrift';

/**
 * The simulated GST: when the last fault that ends has ended (0 with no faults). Null when a
 * network fault never heals: liveness cannot be asked for then. A crash without restart does
 * not count: that validator is down for good and the liveness check leaves it out.
 *
 * Triggered faults (`when`) start when the protocol reaches their position, so their end is
 * known only from the run: pass `applied` (`SimRun.appliedFaults`) and a triggered fault
 * counts from its recorded start (ending at its recorded end, or `forMs` after its start); one
 * that never started does not count. Without `applied`, a scenario with a triggered fault
 * that is not a clock fault has no GST known in advance: null.
 */
export function gstOf(faults: readonly FaultEvent[], applied?: readonly AppliedFault[]): number | null {
  let gst = 0;
  for (const [i, f] of faults.entries()) {
    if (permanentByDesign(f)) continue;
    let end = endOf(f);
    if (f.when !== undefined) {
      if (applied === undefined) return null;
      const span = appliedSpan(applied, i, f);
      if (span === null) continue;
      end = span.end;
    }
    if (f.type === 'crash') {
      if (end !== undefined) gst = Math.max(gst, end);
      continue;
    }
    if (end === undefined) return null;
    gst = Math.max(gst, end);
  }
  return gst;
}

/** The last start of fault `index` in the run and its end: recorded, or `forMs` later. Null if it never started. */
function appliedSpan(applied: readonly AppliedFault[], index: number, f: FaultEvent): { start: number; end: number | undefined } | null {
  let start: number | undefined;
  let end: number | undefined;
  for (const a of applied) {
    if (a.index !== index) continue;
    if (a.phase === 'start') {
      start = a.at;
      end = undefined;
    } else if (start !== undefined) end = a.at;
  }
  if (start === undefined) return null;
  return { start, end: end ?? (f.forMs !== undefined ? start + f.forMs : undefined) };
}

/**
 * Validators that crash and never restart. With `applied`, a triggered crash counts only if
 * it fired; without, every triggered crash without `forMs` is assumed to fire.
 */
export function downForGood(faults: readonly FaultEvent[], applied?: readonly AppliedFault[]): string[] {
  return faults.flatMap((f, i) => {
    if (f.type !== 'crash') return [];
    if (f.when === undefined) return endOf(f) === undefined ? [f.node] : [];
    if (applied === undefined) return f.forMs === undefined ? [f.node] : [];
    const span = appliedSpan(applied, i, f);
    return span !== null && span.end === undefined ? [f.node] : [];
  });
}

/** How a fault reads in a trace and a timeline; a triggered one says its trigger. */
export function describeFault(f: FaultEvent): string {
  const what = describeKind(f);
  if (f.when === undefined) return what;
  const w = f.when;
  const parts = [`height ${w.height}`, ...(w.round !== undefined ? [`round ${w.round}`] : []), ...(w.step ? [`step ${w.step}`] : []), ...(w.node ? [`at ${w.node}`] : []), ...(w.proposer ? [`proposer ${w.proposer}`] : [])];
  return `${what} (when ${parts.join(', ')})`;
}

function describeKind(f: FaultEvent): string {
  switch (f.type) {
    case 'partition':
      return `partition ${f.groups.map((g) => g.join(',')).join(' | ')}`;
    case 'link':
      return `link ${f.from}${f.oneWay ? '->' : '<->'}${f.to} ${JSON.stringify(f.behaviour)}`;
    case 'crash':
      return `crash ${f.node}`;
    case 'pause':
      return `pause ${f.node}`;
    case 'clockSkew':
      return `clock ${f.node} ${f.skewMs} ms`;
    case 'network':
      return `network ${JSON.stringify(f.behaviour)}`;
    case 'clockDrift':
      return `clock drift ${f.node} ${f.ppm} ppm`;
    case 'messages':
      return `messages ${JSON.stringify(f.filter)} ${JSON.stringify(f.behaviour)}`;
    case 'slowDisk':
      return `slow disk ${f.node} fsync ${f.fsyncMs} ms`;
    case 'slowCpu':
      return `slow cpu ${f.node} ${f.msPerEvent} ms/event`;
  }
}
