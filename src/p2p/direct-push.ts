/**
 * The direct push protocol (spec/p2p.md): one peer hands another a gossip message for a topic,
 * outside the mesh. The receiver judges it with the topic's own gossip handler, exactly as if
 * gossipsub had delivered it, and relays it through gossip only if the handler accepts it; the
 * answer is that verdict. Byzantine strategies on test chains are the only senders (they show
 * different peers different messages); every node serves it, since what it brings is no more
 * than gossip could bring. This file is the wire format; the host (host.ts) serves and sends.
 */
import { BadRequestError } from './errors.js';
import type { Verdict } from './gossip-validator.js';

/** Topics carry the chain id, so the protocol itself need not: one protocol for every chain. */
export const DIRECT_PUSH_PROTOCOL = '/cmt/direct/1';
/** Longest topic a push may name, in UTF-8 bytes; the node's topics are a few tens of bytes. */
export const MAX_PUSH_TOPIC_BYTES = 256;
/** Bytes a push adds to its payload: the topic's 2-byte length and the topic. */
export const PUSH_HEADER_MAX_BYTES = 2 + MAX_PUSH_TOPIC_BYTES;
/** Pushes one peer may have in flight here at once, and all peers together (each can hold a maximal gossip payload). */
export const PUSHES_IN_FLIGHT_PER_PEER = 4;
export const PUSHES_IN_FLIGHT_TOTAL = 16;
/** Pushes per second one peer may make, with a burst of as many: a Byzantine sender's flood strategy makes 20. */
export const PUSHES_PER_SECOND = 200;

export interface DirectPush {
  topic: string;
  data: Uint8Array;
}

const VERDICT_CODES: readonly Verdict[] = ['accept', 'ignore', 'reject'];
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** [u16 big-endian topic length][topic, UTF-8][data]. Throws on a topic that is empty or too long. */
export function encodePush(push: DirectPush): Uint8Array {
  const topic = Buffer.from(push.topic, 'utf8');
  if (topic.length === 0 || topic.length > MAX_PUSH_TOPIC_BYTES) throw new RangeError(`a push topic has 1 to ${MAX_PUSH_TOPIC_BYTES} bytes, got ${topic.length}`);
  const out = new Uint8Array(2 + topic.length + push.data.length);
  out[0] = topic.length >> 8;
  out[1] = topic.length & 0xff;
  out.set(topic, 2);
  out.set(push.data, 2 + topic.length);
  return out;
}

/** The push in `bytes`; BadRequestError (scored against the sender) when it is not one. */
export function decodePush(bytes: Uint8Array): DirectPush {
  if (bytes.length < 2) throw new BadRequestError('push shorter than its topic length');
  const length = (bytes[0]! << 8) | bytes[1]!;
  if (length === 0 || length > MAX_PUSH_TOPIC_BYTES) throw new BadRequestError(`push topic length ${length} outside 1..${MAX_PUSH_TOPIC_BYTES}`);
  if (bytes.length < 2 + length) throw new BadRequestError('push shorter than its topic');
  let topic: string;
  try {
    topic = utf8.decode(bytes.subarray(2, 2 + length));
  } catch (err) {
    throw new BadRequestError('push topic is not UTF-8', { cause: err });
  }
  return { topic, data: bytes.slice(2 + length) };
}

export function encodeVerdict(verdict: Verdict): Uint8Array {
  return Uint8Array.of(VERDICT_CODES.indexOf(verdict));
}

/** The verdict in an answer, or null when the answer is not one. */
export function decodeVerdict(bytes: Uint8Array): Verdict | null {
  return bytes.length === 1 ? (VERDICT_CODES[bytes[0]!] ?? null) : null;
}
