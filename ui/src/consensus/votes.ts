/**
 * CometBFT's text forms of votes in consensus_state / dump_consensus_state, read back into values.
 * Both cmt's short form `Vote{0:ADDR12 5/0 Prevote BLOCK12}` and CometBFT's own
 * `Vote{0:ADDR12 5/00/SIGNED_MSG_TYPE_PREVOTE(Prevote) BLOCK12 SIG12 EXT12 @ time}` are read;
 * anything else is refused (undefined), never thrown: the answer comes from another machine.
 */

export type VoteKind = 'prevote' | 'precommit';

export interface VoteSummary {
  index: number;
  /** The first 12 upper-case hex characters of the validator's address. */
  address: string;
  height: number;
  round: number;
  kind: VoteKind;
  /** The first 12 upper-case hex characters of the block hash; '' for a vote for nil. */
  block: string;
}

/** What one validator's slot in a vote list says. */
export type VoteSlot = { vote: 'none' } | { vote: 'nil'; summary: VoteSummary } | { vote: 'block'; summary: VoteSummary };

// cmt: `Vote{i:ADDR h/r Kind BLOCK}`; CometBFT: `Vote{i:ADDR h/rr/TYPE(Kind) BLOCK SIG EXT @ time}`.
const SUMMARY = /^Vote\{(\d{1,6}):([0-9A-Fa-f]{1,12}) (\d{1,16})\/(\d{1,6})(?: (Prevote|Precommit)|\/[A-Z_]{0,40}\((Prevote|Precommit)\)) ([0-9A-Fa-f]{1,12}|nil)(?: [^{}]{0,200})?\}$/;
// CometBFT's Fingerprint of an empty hash: six zero bytes.
const NIL_FINGERPRINT = '000000000000';

export function parseVoteSummary(text: unknown): VoteSummary | undefined {
  if (typeof text !== 'string' || text.length > 400) return undefined;
  const m = SUMMARY.exec(text);
  if (!m) return undefined;
  const [, index, address, height, round, shortKind, longKind, block] = m;
  const kind = (shortKind ?? longKind) === 'Prevote' ? 'prevote' : 'precommit';
  const hash = (block ?? '').toUpperCase();
  return {
    index: Number(index),
    address: (address ?? '').toUpperCase(),
    height: Number(height),
    round: Number(round),
    kind,
    block: hash === 'NIL' || hash === NIL_FINGERPRINT ? '' : hash,
  };
}

/** cmt's form of a summary (the RPC's voteSummary), for tests and titles. */
export function formatVoteSummary(v: VoteSummary): string {
  const kind = v.kind === 'prevote' ? 'Prevote' : 'Precommit';
  return `Vote{${v.index}:${v.address} ${v.height}/${v.round} ${kind} ${v.block === '' ? 'nil' : v.block}}`;
}

/** One slot of a prevotes/precommits list: `nil-Vote` (or junk) is no vote yet. */
export function readSlot(text: unknown): VoteSlot {
  const summary = parseVoteSummary(text);
  if (!summary) return { vote: 'none' };
  return summary.block === '' ? { vote: 'nil', summary } : { vote: 'block', summary };
}

export interface BitArray {
  /** One entry per validator: it has voted. */
  bits: boolean[];
  voted: number;
  total: number;
}

const BIT_ARRAY = /^BA\{(\d{1,5}):([x_]*)\} (\d{1,20})\/(\d{1,20}) = (\d+\.\d+)$/;

/** CometBFT's `BA{4:xx_x} 30/40 = 0.75`; undefined for anything else (and for the `nil-BitArray`). */
export function parseBitArray(text: unknown): BitArray | undefined {
  if (typeof text !== 'string' || text.length > 20_100) return undefined;
  const m = BIT_ARRAY.exec(text);
  if (!m) return undefined;
  const [, size, bits = '', voted, total] = m;
  if (Number(size) !== bits.length) return undefined;
  return { bits: [...bits].map((c) => c === 'x'), voted: Number(voted), total: Number(total) };
}

export function formatBitArray(b: BitArray): string {
  const ratio = b.total === 0 ? '0.00' : (b.voted / b.total).toFixed(2);
  return `BA{${b.bits.length}:${b.bits.map((x) => (x ? 'x' : '_')).join('')}} ${b.voted}/${b.total} = ${ratio}`;
}
