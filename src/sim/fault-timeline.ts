/** When faults end, the simulated GST they define, and how a fault reads in a trace. */
import type { FaultEvent } from './scenario-types.js';

/** When a fault scheduled by time ends (a triggered one ends `forMs` after it starts). */
export function endOf(f: FaultEvent): number | undefined {
  switch (f.type) {
    case 'crash':
      return f.restartAt;
    case 'clockSkew':
    case 'clockDrift':
      return undefined;
    default:
      return f.until;
  }
}

/**
 * The simulated GST: when the last fault that ends has ended (0 with no faults). Null when a
 * network fault never heals: liveness cannot be asked for then. A crash without restart does
 * not count: that validator is down for good and the liveness check leaves it out.
 */
export function gstOf(faults: readonly FaultEvent[]): number | null {
  let gst = 0;
  for (const f of faults) {
    if (f.type === 'clockSkew' || f.type === 'clockDrift' || f.type === 'crash') {
      if (f.type === 'crash' && f.restartAt !== undefined) gst = Math.max(gst, f.restartAt);
      continue;
    }
    const end = endOf(f);
    if (end === undefined) return null;
    gst = Math.max(gst, end);
  }
  return gst;
}

/** Validators that crash and never restart. */
export function downForGood(faults: readonly FaultEvent[]): string[] {
  return faults.flatMap((f) => (f.type === 'crash' && f.restartAt === undefined ? [f.node] : []));
}

export function describeFault(f: FaultEvent): string {
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
