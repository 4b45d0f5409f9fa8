/**
 * A request whose answer must decode as `codec`: an answer that does not is proof the peer is
 * not running the protocol, so it counts against that peer (as a rejected gossip message does)
 * before the error reaches the caller. Timeouts and transport failures are not the peer's fault
 * and are passed on unscored.
 */
import { DecodeError } from '../codec/errors.js';
import { decode, type Codec } from '../codec/schema.js';
import type { GossipNetwork } from './network.js';

export async function requestDecoded<T>(net: GossipNetwork, peer: string, protocol: string, request: Uint8Array, codec: Codec<T>, what: string, timeoutMs: number): Promise<T> {
  const raw = await net.request(peer, protocol, request, { timeoutMs });
  try {
    return decode(codec, raw, what);
  } catch (err) {
    if (err instanceof DecodeError) net.reportInvalid(peer, `undecodable ${what}: ${err.message}`);
    throw err;
  }
}
