/**
 * Turns the caller's gossip handler into a gossipsub topic validator. Gossipsub forwards a message
 * only after its validator accepts it, so running the handler here makes it the single place
 * where a message is judged and processed, and an invalid message stops at the first honest node.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TopicValidatorResult, type TopicValidatorFn } from '@libp2p/gossipsub';
import type { Logger } from 'pino';
import type { Counters } from './counters.js';
import { describeError } from './errors.js';
import type { LinkFaults } from './link-faults.js';

/** A gossip handler's decision: accept (deliver and forward), ignore (drop quietly), reject (drop and score the sender). */
export type Verdict = 'accept' | 'reject' | 'ignore';

export interface GossipContext {
  topic: string;
  /** The peer that signed (authored) the message; `from` is the neighbour that relayed it to us. */
  origin: string;
}

export type GossipHandler = (data: Uint8Array, from: string, context: GossipContext) => Verdict | Promise<Verdict>;

export interface GossipValidatorContext {
  maxMessageBytes: number;
  isBanned: (peerId: string) => boolean;
  reportInvalid: (peerId: string, reason: string) => void;
  onAccept: () => void;
  dropped: Counters;
  logger: Logger;
  /** Injected faults of the chaos runner; absent in normal operation. */
  linkFaults?: LinkFaults;
}

export function gossipValidator(topic: string, handler: GossipHandler, ctx: GossipValidatorContext): TopicValidatorFn {
  return async (peer, msg) => {
    const from = peer.toString();
    if (ctx.isBanned(from)) {
      ctx.dropped.inc('gossip_from_banned');
      return TopicValidatorResult.Ignore;
    }
    if (msg.data.length > ctx.maxMessageBytes) {
      ctx.dropped.inc('gossip_oversize');
      ctx.reportInvalid(from, `gossip_oversize: ${msg.data.length} bytes on ${topic}`);
      return TopicValidatorResult.Reject;
    }
    const origin = msg.type === 'signed' ? msg.from.toString() : from;
    if (ctx.linkFaults) {
      const fate = ctx.linkFaults.fate(from, topic, msg.data, origin);
      if (fate.lost) {
        ctx.dropped.inc('gossip_fault_injected');
        return TopicValidatorResult.Ignore;
      }
      // An injected duplicate: the handler takes the bytes again later, as a copy gossiped after the seen cache.
      if (fate.copyDelayMs !== null) {
        setTimeout(() => void Promise.resolve().then(() => handler(msg.data, from, { topic, origin })).catch(() => undefined), fate.copyDelayMs);
      }
      if (fate.delayMs > 0) await sleep(fate.delayMs);
    }
    let verdict: Verdict;
    try {
      verdict = await handler(msg.data, from, { topic, origin });
    } catch (err) {
      // A bug in our own handler is not the sender's fault: drop quietly, never score.
      ctx.dropped.inc('gossip_handler_error');
      ctx.logger.warn({ topic, peer: from, err: describeError(err) }, 'gossip handler failed; message ignored');
      return TopicValidatorResult.Ignore;
    }
    switch (verdict) {
      case 'accept':
        ctx.onAccept();
        return TopicValidatorResult.Accept;
      case 'reject':
        ctx.dropped.inc('gossip_rejected');
        ctx.reportInvalid(from, `gossip_rejected: ${topic}`);
        return TopicValidatorResult.Reject;
      case 'ignore':
        ctx.dropped.inc('gossip_ignored');
        return TopicValidatorResult.Ignore;
      default:
        ctx.dropped.inc('gossip_bad_verdict');
        ctx.logger.warn({ topic, verdict: String(verdict) }, 'gossip handler returned an unknown verdict; message ignored');
        return TopicValidatorResult.Ignore;
    }
  };
}
