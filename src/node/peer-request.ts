/**
 * A request whose answer must decode as `codec`: an answer that does not is proof the peer is
 * not running the protocol, so it counts against that peer (as a rejected gossip message does)
 * before the error reaches the caller. Timeouts and transport failures are not the peer's fault
 * and are passed on unscored.
 */
import { DecodeError } from '../codec/errors.js';
import { decode, type Codec } from '../codec/schema.js';
import { BadRequestError } from '../p2p/errors.js';
import type { GossipNetwork } from './network.js';

export interface DecodedRequest<T> {
  protocol: string;
  request: Uint8Array;
  codec: Codec<T>;
  /** Names the answer in errors and reports. */
  what: string;
  timeoutMs: number;
  /** The largest answer worth reading: a peer cannot make this node buffer more than it can use. */
  maxResponseBytes: number;
}

export async function requestDecoded<T>(net: GossipNetwork, peer: string, o: DecodedRequest<T>): Promise<T> {
  const { codec, what } = o;
  const raw = await net.request(peer, o.protocol, o.request, { timeoutMs: o.timeoutMs, maxResponseBytes: o.maxResponseBytes });
  try {
    return decode(codec, raw, what);
  } catch (err) {
    if (err instanceof DecodeError) net.reportInvalid(peer, `undecodable ${what}: ${err.message}`);
    throw err;
  }
}

/**
 * A peer's request as `codec`; bytes that do not decode throw BadRequestError, which the host
 * counts against the peer. Only the request: a stored record that fails to decode while the
 * answer is built is this node's problem, never the asker's.
 */
export function decodeRequest<T>(codec: Codec<T>, data: Uint8Array, what: string): T {
  try {
    return decode(codec, data, what);
  } catch (err) {
    if (err instanceof DecodeError) throw new BadRequestError(err.message, { cause: err });
    throw err;
  }
}
