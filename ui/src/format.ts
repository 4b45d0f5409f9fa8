/** How values read on the page: hashes, amounts, times. */

const HEX = '0123456789ABCDEF';

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (HEX[b >> 4] ?? '') + (HEX[b & 15] ?? '');
  return s;
}

/** A long hash as its first and last characters; the whole hash is in the title. */
export function shortHash(hash: string, keep = 8): string {
  return hash.length <= keep * 2 + 1 ? hash : `${hash.slice(0, keep)}…${hash.slice(-4)}`;
}

/** A base-unit amount (1 CMT = 10^18) as CMT with up to 6 decimals. */
export function cmtAmount(base: string | bigint): string {
  let v: bigint;
  try {
    v = typeof base === 'bigint' ? base : BigInt(base);
  } catch {
    return String(base);
  }
  const neg = v < 0n;
  if (neg) v = -v;
  const whole = v / 10n ** 18n;
  const frac = (v % 10n ** 18n).toString().padStart(18, '0').slice(0, 6).replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole.toLocaleString('en-US')}${frac ? `.${frac}` : ''} CMT`;
}

/** Seconds or milliseconds ago, as a person reads it. */
export function ago(ms: number): string {
  if (ms < 0) return 'just now';
  if (ms < 1000) return `${Math.round(ms)} ms ago`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s ago`;
  return `${Math.round(ms / 60_000)} min ago`;
}

export function isoTime(d: Date | string | number): string {
  const date = d instanceof Date ? d : new Date(d);
  return Number.isNaN(date.getTime()) ? String(d) : date.toISOString().replace('T', ' ').replace('Z', ' UTC');
}
