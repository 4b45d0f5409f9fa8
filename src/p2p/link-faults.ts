/**
 * Injected faults of the chaos runner (spec/faults.md, "Chaos runner"): per remote peer, a
 * probability of losing what it sends us, of taking it in twice, and a delay before we take it
 * in; per kind of consensus message, the same on top (`messages` faults); and a skewed or
 * drifting clock. Link rules apply where messages enter this node — gossip validation (pushes
 * included) and inbound requests — and to our requests to that peer, so a partition is the same
 * rule on both sides. Message rules apply to gossiped consensus messages only. Off unless the
 * node was started with the chaos admin endpoint; never part of consensus.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../runtime/clock.js';

/** A delay: uniform in [minDelayMs, maxDelayMs], or with `meanMs`, minDelayMs plus an exponential tail of that mean, capped at maxDelayMs. */
export interface DelayRule {
  minDelayMs: number;
  maxDelayMs: number;
  meanMs?: number;
}

export interface LinkRule extends DelayRule {
  /** Remote peer id. */
  peer: string;
  /** Probability in [0, 1] that a message from it is lost; 1 cuts the link. */
  drop: number;
  /** Probability in [0, 1] that a gossiped message from it is taken in twice (the copy after its own delay). */
  duplicate?: number;
}

export const CONSENSUS_MESSAGE_KINDS = ['proposal', 'prevote', 'precommit'] as const;
export type ConsensusMessageKind = (typeof CONSENSUS_MESSAGE_KINDS)[number];

/**
 * What a `messages` fault does to the consensus messages it selects, on top of the link rule.
 * Every given selector must match; the given behaviour keys replace the link rule's.
 */
export interface MessageRule {
  kinds?: ConsensusMessageKind[];
  /** Peer ids of the neighbour that hands us the message (the author or a relay). */
  from?: string[];
  /** A vote's validator address (hex, lower case, no 0x) or, for a proposal, its gossip author's peer id. */
  signer?: string[];
  heights?: { min: number; max: number };
  rounds?: { min: number; max: number };
  drop?: number;
  duplicate?: number;
  delay?: DelayRule;
}

/** A consensus message as a message rule sees it; `signer` null: the gossip author stands in (a proposal names no signer). */
export interface ConsensusMessageInfo {
  kind: ConsensusMessageKind;
  height: number;
  round: number;
  signer: string | null;
}

/** Reads a gossiped message's kind, height, round and signer; null for anything that is not a consensus message. */
export type MessageClassifier = (topic: string, data: Uint8Array) => ConsensusMessageInfo | null;

/** What becomes of one gossiped message. */
export interface Fate {
  lost: boolean;
  delayMs: number;
  /** When set, a copy is taken in this many ms after the message arrived. */
  copyDelayMs: number | null;
}

export interface ClockFault {
  /** ms ahead of the host's clock (negative: behind). */
  skewMs: number;
  /** Millionths gained per ms from when it was set (negative: lost); timers run fast or slow by as much. */
  ppm: number;
}

export class InvalidLinkRuleError extends Error {}

const MAX_DELAY_MS = 600_000;
export const MAX_SKEW_MS = 3_600_000;
export const MAX_DRIFT_PPM = 100_000;
const MAX_HEIGHT = Number.MAX_SAFE_INTEGER;

const isProbability = (x: unknown): x is number => typeof x === 'number' && x >= 0 && x <= 1;
const isMs = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= MAX_DELAY_MS;

function delayOk(r: Partial<DelayRule>): boolean {
  return isMs(r.minDelayMs) && isMs(r.maxDelayMs) && r.maxDelayMs >= r.minDelayMs && (r.meanMs === undefined || (Number.isInteger(r.meanMs) && r.meanMs >= 1 && r.meanMs <= MAX_DELAY_MS));
}

function rangeOk(r: unknown): boolean {
  const x = r as { min?: unknown; max?: unknown } | null;
  return typeof x === 'object' && x !== null && Number.isSafeInteger(x.min) && Number.isSafeInteger(x.max) && (x.min as number) >= 0 && (x.max as number) >= (x.min as number) && (x.max as number) <= MAX_HEIGHT;
}

const stringList = (x: unknown): boolean => Array.isArray(x) && x.length > 0 && x.length <= 1000 && x.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 200);

/** Draws a delay from a rule (Math.random: real processes are not replayed, only the simulator is). */
export function drawDelay(r: DelayRule, random: () => number = Math.random): number {
  if (r.maxDelayMs === 0) return 0;
  if (r.meanMs !== undefined) return Math.min(r.maxDelayMs, r.minDelayMs + Math.floor(-Math.log(1 - random()) * r.meanMs));
  return r.minDelayMs + Math.floor(random() * (r.maxDelayMs - r.minDelayMs + 1));
}


export class LinkFaults {
  private rules = new Map<string, LinkRule>();
  private messageRules: MessageRule[] = [];
  private clockFault: ClockFault = { skewMs: 0, ppm: 0 };
  /** Drift accumulated before the current ppm was set, and when (host time) it was. */
  private drifted = 0;
  private driftFrom = 0;
  /** Set by the node: which gossip is a consensus message, for message rules. */
  classifier: MessageClassifier | null = null;

  constructor(private readonly random: () => number = Math.random) {}

  /** Replaces every link rule. Throws InvalidLinkRuleError (naming the rule) on a malformed one, changing nothing. */
  set(rules: readonly unknown[]): void {
    const next = new Map<string, LinkRule>();
    rules.forEach((raw, i) => {
      const r = raw as Partial<LinkRule> | null;
      const ok = typeof r === 'object' && r !== null && typeof r.peer === 'string' && r.peer.length > 0 && isProbability(r.drop) && (r.duplicate === undefined || isProbability(r.duplicate)) && delayOk(r);
      if (!ok) throw new InvalidLinkRuleError(`rules[${i}]: expected {peer, drop 0..1, duplicate? 0..1, minDelayMs, maxDelayMs integers 0..600000, min <= max, meanMs? 1..600000}`);
      const rule: LinkRule = { peer: r.peer as string, drop: r.drop as number, minDelayMs: r.minDelayMs as number, maxDelayMs: r.maxDelayMs as number };
      if (r.meanMs !== undefined) rule.meanMs = r.meanMs;
      if (r.duplicate !== undefined) rule.duplicate = r.duplicate;
      next.set(rule.peer, rule);
    });
    this.rules = next;
  }

  list(): LinkRule[] {
    return [...this.rules.values()];
  }

  /** Replaces every message rule, or throws InvalidLinkRuleError changing nothing. */
  setMessages(rules: readonly unknown[]): void {
    this.messageRules = rules.map((raw, i) => {
      const r = raw as Record<string, unknown> | null;
      const fail = (why: string): never => {
        throw new InvalidLinkRuleError(`rules[${i}]: ${why}`);
      };
      if (typeof r !== 'object' || r === null || Array.isArray(r)) return fail('expected a mapping');
      const known = ['kinds', 'from', 'signer', 'heights', 'rounds', 'drop', 'duplicate', 'delay'];
      for (const k of Object.keys(r)) if (!known.includes(k)) fail(`unknown key "${k}"`);
      const out: MessageRule = {};
      if (r.kinds !== undefined) {
        if (!Array.isArray(r.kinds) || r.kinds.length === 0 || !r.kinds.every((k) => (CONSENSUS_MESSAGE_KINDS as readonly unknown[]).includes(k))) fail(`kinds: a non-empty list of ${CONSENSUS_MESSAGE_KINDS.join(', ')}`);
        out.kinds = [...(r.kinds as ConsensusMessageKind[])];
      }
      for (const k of ['from', 'signer'] as const) {
        if (r[k] === undefined) continue;
        if (!stringList(r[k])) fail(`${k}: a non-empty list of strings`);
        out[k] = [...(r[k] as string[])];
      }
      for (const k of ['heights', 'rounds'] as const) {
        if (r[k] === undefined) continue;
        if (!rangeOk(r[k])) fail(`${k}: {min, max} whole numbers, 0 <= min <= max`);
        const { min, max } = r[k] as { min: number; max: number };
        out[k] = { min, max };
      }
      for (const k of ['drop', 'duplicate'] as const) {
        if (r[k] === undefined) continue;
        const v = r[k];
        if (!isProbability(v)) return fail(`${k}: a probability 0..1`);
        out[k] = v;
      }
      if (r.delay !== undefined) {
        const d = r.delay as Partial<DelayRule> | null;
        if (typeof d !== 'object' || d === null || !delayOk(d)) fail('delay: {minDelayMs, maxDelayMs, meanMs?} as in a link rule');
        out.delay = { minDelayMs: d!.minDelayMs as number, maxDelayMs: d!.maxDelayMs as number, ...(d!.meanMs !== undefined ? { meanMs: d!.meanMs } : {}) };
      }
      return out;
    });
  }

  listMessages(): MessageRule[] {
    return this.messageRules.map((r) => ({ ...r }));
  }

  /** Whether a message from `peer` is lost now (requests and their answers: link rules only). */
  drops(peer: string): boolean {
    const r = this.rules.get(peer);
    return r !== undefined && r.drop > 0 && this.random() < r.drop;
  }

  /** Waits the delay the rule for `peer` asks for (nothing without a rule). */
  async delay(peer: string): Promise<void> {
    const r = this.rules.get(peer);
    if (!r) return;
    const ms = drawDelay(r, this.random);
    if (ms > 0) await sleep(ms);
  }

  /**
   * The fate of one gossiped message from the neighbour `peer`, authored by `origin`: the link
   * rule for `peer`, with every message rule that selects it applied on top in order.
   */
  fate(peer: string, topic: string, data: Uint8Array, origin: string): Fate {
    const link = this.rules.get(peer);
    let drop = link?.drop ?? 0;
    let duplicate = link?.duplicate ?? 0;
    let delay: DelayRule = link ?? { minDelayMs: 0, maxDelayMs: 0 };
    if (this.messageRules.length > 0 && this.classifier) {
      const info = this.classifier(topic, data);
      if (info) {
        const signer = info.signer ?? origin;
        for (const r of this.messageRules) {
          if (!selects(r, peer, signer, info)) continue;
          if (r.drop !== undefined) drop = r.drop;
          if (r.duplicate !== undefined) duplicate = r.duplicate;
          if (r.delay !== undefined) delay = r.delay;
        }
      }
    }
    if (drop > 0 && this.random() < drop) return { lost: true, delayMs: 0, copyDelayMs: null };
    const delayMs = drawDelay(delay, this.random);
    const copyDelayMs = duplicate > 0 && this.random() < duplicate ? drawDelay(delay, this.random) : null;
    return { lost: false, delayMs, copyDelayMs };
  }

  /** Replaces the clock fault; validated by the caller (the admin endpoint). Drift counts from now. */
  setClock(fault: ClockFault, hostNow: number): void {
    this.drifted = this.driftAt(hostNow);
    this.driftFrom = hostNow;
    this.clockFault = { ...fault };
  }

  getClock(): ClockFault {
    return { ...this.clockFault };
  }

  /** `base` with the clock fault applied: now() skewed and drifted, timers stretched or shrunk by the drift. */
  clock(base: Clock): Clock {
    return {
      ...(base.virtual ? { virtual: true } : {}),
      now: () => {
        const t = base.now();
        return Math.floor(t + this.clockFault.skewMs + this.driftAt(t));
      },
      after: (ms, fn) => base.after(this.clockFault.ppm === 0 ? ms : Math.max(0, Math.round(ms / (1 + this.clockFault.ppm / 1e6))), fn),
    };
  }

  private driftAt(hostNow: number): number {
    return this.drifted + ((hostNow - this.driftFrom) * this.clockFault.ppm) / 1e6;
  }
}

function selects(r: MessageRule, peer: string, signer: string, m: ConsensusMessageInfo): boolean {
  return (
    (r.kinds === undefined || r.kinds.includes(m.kind)) &&
    (r.from === undefined || r.from.includes(peer)) &&
    (r.signer === undefined || r.signer.includes(signer)) &&
    (r.heights === undefined || (m.height >= r.heights.min && m.height <= r.heights.max)) &&
    (r.rounds === undefined || (m.round >= r.rounds.min && m.round <= r.rounds.max))
  );
}
