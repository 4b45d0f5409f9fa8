/**
 * A proposal's tally as governance decides it (spec/governance.md, "Tally"): quorum is
 * (yes + no + abstain) × 10000 > govQuorumBps × bonded, passing is yes × 10000 > govPassBps ×
 * (yes + no). Computed in bigints, exactly as the chain does, so the page never says "passing"
 * for a proposal the chain would reject.
 */
import { toBig } from './stake-rows.js';

export interface TallyAnswer {
  yes: string;
  no: string;
  abstain: string;
  bonded: string;
  /** Not in cmt's governance (no veto option); shown when a node reports it. */
  no_with_veto?: string;
}

export interface Proposal {
  id: number;
  proposer: string;
  title: string;
  description: string;
  change: { type: string; changes?: { name: string; value: string }[]; recipient?: string; amount?: string };
  deposit: string;
  submitHeight: number;
  votingEndHeight: number;
  effectiveHeight: number;
  status: string;
  tally: TallyAnswer;
  failure: string;
  current_tally: TallyAnswer;
}

export interface ProposalsAnswer {
  total: string;
  proposals: Proposal[];
}

export interface TallyView {
  yes: bigint;
  no: bigint;
  abstain: bigint;
  veto: bigint;
  bonded: bigint;
  /** Shares of bonded stake in percent (0..100), for the bar. */
  yesPct: number;
  noPct: number;
  abstainPct: number;
  vetoPct: number;
  /** Where the lines go on the same bar: the quorum (of bonded) and the pass threshold (of yes + no, placed on the voted part). */
  quorumPct: number;
  thresholdPct: number;
  quorumMet: boolean;
  passing: boolean;
}

const pct = (part: bigint, whole: bigint): number => (whole <= 0n ? 0 : Number((part * 1_000_000n) / whole) / 10_000);

export function tallyView(t: TallyAnswer, quorumBps: number, passBps: number): TallyView {
  const yes = toBig(t.yes) ?? 0n;
  const no = toBig(t.no) ?? 0n;
  const abstain = toBig(t.abstain) ?? 0n;
  const veto = toBig(t.no_with_veto) ?? 0n;
  const bonded = toBig(t.bonded) ?? 0n;
  const voted = yes + no + abstain + veto;
  const quorumMet = voted > 0n && voted * 10_000n > BigInt(quorumBps) * bonded;
  const passing = yes * 10_000n > BigInt(passBps) * (yes + no + veto);
  // The threshold line: the yes share of (yes + no) that passes, drawn across the yes and no part of the bar.
  const yesNoPct = pct(yes + no + veto, bonded);
  return {
    yes,
    no,
    abstain,
    veto,
    bonded,
    yesPct: pct(yes, bonded),
    noPct: pct(no, bonded),
    abstainPct: pct(abstain, bonded),
    vetoPct: pct(veto, bonded),
    quorumPct: quorumBps / 100,
    thresholdPct: (yesNoPct * passBps) / 10_000,
    quorumMet,
    passing,
  };
}

/** A proposal's kind as a person reads it: the parameters it changes, or the spend. */
export function proposalKind(p: Pick<Proposal, 'change'>): string {
  const c = p.change;
  if (c.type === 'params') return `params: ${(c.changes ?? []).map((x) => `${x.name}=${x.value}`).join(', ')}`;
  if (c.type === 'communitySpend') return `community spend${c.recipient ? ` to ${c.recipient}` : ''}`;
  return c.type;
}
