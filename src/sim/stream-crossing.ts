/**
 * When a request or an answer sent now on a link arrives. Requests and answers travel on
 * libp2p streams over TCP, not on gossipsub: a lost segment is retransmitted, so on a lossy
 * link the message arrives late, not never. Each loss drawn from the link's `drop` costs a
 * retransmission timeout (Linux's 200 ms minimum, doubled at each consecutive loss, as TCP
 * backs off) and the link is asked again at the retransmission's time, so a partition that
 * starts meanwhile cuts it. Lost only when the link is cut: a partition, `drop: 1`, or more
 * retransmissions than any request waits for (the asker has timed out long before).
 * No duplicates: TCP hands the application each byte once.
 */
import { sampleDelay, type SimNetwork } from './network.js';
import type { Rng } from './rng.js';

export const FIRST_RTO_MS = 200;
/** 200 + 400 + … + 6400 = 12.6 s of retransmissions: beyond every request timeout (at most 10 s). */
export const MAX_RETRANSMISSIONS = 6;

/** The link model's view a stream needs (SimNetwork's). */
export type StreamLinks = Pick<SimNetwork, 'separated' | 'behaviour'>;

/** The arrival time of a stream message sent from `from` to `to` at `now`, or null if the link is cut. */
export function streamArrival(links: StreamLinks, from: number, to: number, now: number, rng: Rng): number | null {
  let t = now;
  let rto = FIRST_RTO_MS;
  for (let retransmissions = 0; retransmissions <= MAX_RETRANSMISSIONS; retransmissions++) {
    if (links.separated(from, to, t)) return null;
    const b = links.behaviour(from, to, t);
    if (b.drop >= 1) return null;
    if (!rng.chance(b.drop)) return t + sampleDelay(b.delay, rng);
    t += rto;
    rto *= 2;
  }
  return null;
}
