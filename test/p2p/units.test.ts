import { describe, expect, it } from 'vitest';
import { Counters } from '../../src/p2p/counters.js';
import { encodeFrame, encodeVarint, FrameDecoder, FrameError } from '../../src/p2p/frame.js';
import { PeerScores } from '../../src/p2p/peer-scores.js';
import '../../src/p2p/polyfill.js';

describe('frames', () => {
  it('encodes the length as a minimal unsigned varint', () => {
    expect([...encodeVarint(0)]).toEqual([0]);
    expect([...encodeVarint(127)]).toEqual([127]);
    expect([...encodeVarint(128)]).toEqual([0x80, 1]);
    expect([...encodeVarint(4 * 1024 * 1024)]).toEqual([0x80, 0x80, 0x80, 2]);
  });

  it('decodes a frame split at every byte boundary', () => {
    const payload = new Uint8Array(300).map((_, i) => i & 0xff);
    const frame = encodeFrame(payload);
    for (let cut = 0; cut <= frame.length; cut++) {
      const decoder = new FrameDecoder(1000);
      const first = decoder.push(frame.subarray(0, cut));
      const result = first ?? decoder.push(frame.subarray(cut));
      expect(result).toEqual(payload);
    }
    expect(new FrameDecoder(10).push(encodeFrame(new Uint8Array(0)))).toEqual(new Uint8Array(0));
  });

  it('refuses a length above the limit as soon as the prefix says so', () => {
    const decoder = new FrameDecoder(1000);
    expect(() => decoder.push(encodeVarint(1001))).toThrow(FrameError);
    expect(() => new FrameDecoder(1000).push(Uint8Array.of(0xff, 0xff))).toThrow(/larger than/);
  });

  it('refuses malformed prefixes and trailing bytes', () => {
    const fault = (bytes: Uint8Array, max = 1 << 30): string | undefined => {
      try {
        new FrameDecoder(max).push(bytes);
      } catch (err) {
        return (err as FrameError).fault;
      }
      return undefined;
    };
    expect(fault(Uint8Array.of(0x81, 0x00))).toBe('malformed'); // non-minimal
    expect(fault(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01))).toBe('malformed'); // too long
    expect(fault(Uint8Array.of(1, 9, 9))).toBe('malformed'); // a byte after the frame
  });
});

describe('PeerScores', () => {
  it('bans at the third report within the window, for banMs, and forgets old reports', () => {
    let now = 0;
    const scores = new PeerScores({ threshold: 3, windowMs: 60_000, banMs: 600_000, now: () => now });
    expect(scores.report('p')).toBe(false);
    now = 30_000;
    expect(scores.report('p')).toBe(false);
    expect(scores.score('p')).toBe(-2);
    now = 61_000; // the first report left the window
    expect(scores.score('p')).toBe(-1);
    expect(scores.report('p')).toBe(false);
    expect(scores.report('p')).toBe(true);
    expect(scores.isBanned('p')).toBe(true);
    expect(scores.report('p')).toBe(false); // already banned: no second ban
    now = 61_000 + 600_000;
    expect(scores.isBanned('p')).toBe(false);
    expect(scores.score('p')).toBe(0);
    expect(scores.isBanned('q')).toBe(false);
  });
});

describe('Counters', () => {
  it('caps the number of distinct names', () => {
    const counters = new Counters();
    for (let i = 0; i < 100; i++) counters.inc(`reason ${i}`);
    counters.inc('reason 0');
    const snapshot = counters.snapshot();
    expect(Object.keys(snapshot)).toHaveLength(65);
    expect(snapshot['reason 0']).toBe(2);
    expect(snapshot.other).toBe(36);
  });
});

describe('Promise.withResolvers', () => {
  it('exists after the polyfill (native on Node 22+, ours on Node 20)', async () => {
    const { promise, resolve } = (Promise as unknown as { withResolvers: <T>() => { promise: Promise<T>; resolve: (v: T) => void } }).withResolvers<number>();
    resolve(7);
    expect(await promise).toBe(7);
  });
});
