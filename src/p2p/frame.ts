/**
 * Length-prefixed frames for request/response streams: an unsigned LEB128 varint byte count
 * (the libp2p convention, as in `it-length-prefixed`) followed by that many bytes. The decoder
 * refuses a length above the limit as soon as the prefix is read, so a peer cannot make the
 * node buffer more than `maxBytes` plus one chunk.
 */
import type { Stream } from '@libp2p/interface';
import { P2PError } from './errors.js';

/** 2^35 covers any limit we allow; a longer prefix is garbage, not a big frame. */
const MAX_PREFIX_BYTES = 5;

export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`);
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Uint8Array.from(out);
}

export function encodeFrame(payload: Uint8Array): Uint8Array {
  const prefix = encodeVarint(payload.length);
  const out = new Uint8Array(prefix.length + payload.length);
  out.set(prefix, 0);
  out.set(payload, prefix.length);
  return out;
}

/** Why a frame was refused; the host counts and scores these separately. */
export type FrameFault = 'oversize' | 'malformed';

export class FrameError extends P2PError {
  constructor(
    readonly fault: FrameFault,
    message: string,
  ) {
    super(fault === 'oversize' ? 'P2P_MESSAGE_TOO_LARGE' : 'P2P_PROTOCOL_ERROR', message);
  }
}

/**
 * Incremental decoder for exactly one frame. The body is kept as the chunks that arrived and
 * joined once complete: a prefix that claims the limit costs the node nothing until the sender
 * has actually sent that much.
 */
export class FrameDecoder {
  private prefixLength = 0;
  private length = -1;
  private lengthSoFar = 0;
  private chunks: Uint8Array[] = [];
  private filled = 0;

  constructor(private readonly maxBytes: number) {}

  /** Body bytes received and held so far. */
  get bufferedBytes(): number {
    return this.filled;
  }

  /** Feeds bytes; returns the frame once complete. Bytes after the frame are a protocol error. */
  push(chunk: Uint8Array): Uint8Array | null {
    let i = 0;
    while (this.length < 0 && i < chunk.length) {
      const byte = chunk[i++]!;
      this.lengthSoFar += (byte & 0x7f) * 0x80 ** this.prefixLength;
      this.prefixLength++;
      if (this.lengthSoFar > this.maxBytes) throw new FrameError('oversize', `frame larger than the ${this.maxBytes}-byte limit`);
      if (byte & 0x80) {
        if (this.prefixLength >= MAX_PREFIX_BYTES) throw new FrameError('malformed', 'frame length prefix too long');
        continue;
      }
      if (byte === 0 && this.prefixLength > 1) throw new FrameError('malformed', 'frame length prefix not minimal');
      this.length = this.lengthSoFar;
    }
    if (this.length < 0) return null;
    const take = Math.min(this.length - this.filled, chunk.length - i);
    if (i + take < chunk.length) throw new FrameError('malformed', 'unexpected bytes after the frame');
    // A copy, so a tiny piece cannot pin the large buffer the transport read it into.
    if (take > 0) this.chunks.push(chunk.slice(i, i + take));
    this.filled += take;
    if (this.filled < this.length) return null;
    const body = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.chunks) {
      body.set(part, at);
      at += part.length;
    }
    this.chunks = [];
    return body;
  }
}

/**
 * Reads one frame from the stream. Rejects with a FrameError for a bad frame, with a
 * P2P_PROTOCOL_ERROR if the stream ends first, and with whatever the stream reports if it is
 * reset or aborted (the caller's timeout aborts it).
 */
export async function readFrame(stream: Stream, maxBytes: number): Promise<Uint8Array> {
  const decoder = new FrameDecoder(maxBytes);
  for await (const chunk of stream) {
    const frame = decoder.push(chunk instanceof Uint8Array ? chunk : chunk.subarray());
    if (frame !== null) return frame;
  }
  throw new P2PError('P2P_PROTOCOL_ERROR', 'stream ended before a whole frame arrived');
}
