/**
 * A block's commit, one row per validator of its set: whether it signed for the block, for
 * nil, or not at all, with its power. CometBFT lists a commit's signatures in the set's order
 * and leaves an absent one without an address, so position names it when the address is missing.
 */

export type CommitFlag = 'commit' | 'absent' | 'nil';

/** CometBFT's BlockIDFlag: 1 absent, 2 commit, 3 nil. */
export function commitFlag(blockIdFlag: number): CommitFlag | undefined {
  return blockIdFlag === 1 ? 'absent' : blockIdFlag === 2 ? 'commit' : blockIdFlag === 3 ? 'nil' : undefined;
}

export interface CommitSignature {
  blockIdFlag: number;
  /** Upper-case hex, or '' / undefined for an absent signature. */
  validator?: string;
  timestamp?: Date;
}

export interface SetValidator {
  /** Upper-case hex. */
  address: string;
  /** Decimal string: exact however large. */
  power: string;
}

export interface CommitRow {
  validator: string;
  flag: CommitFlag;
  /** '' when the validator is not in the set the page read. */
  power: string;
  timestamp?: Date;
}

export interface CommitTally {
  rows: CommitRow[];
  /** Power that signed for the block, and of the whole set; decimal strings. */
  signedPower: string;
  totalPower: string;
}

export function commitRows(signatures: readonly CommitSignature[], validators: readonly SetValidator[]): CommitTally {
  const power = new Map(validators.map((v) => [v.address.toUpperCase(), v.power]));
  const rows: CommitRow[] = [];
  const seen = new Set<string>();
  signatures.forEach((sig, i) => {
    const validator = sig.validator ? sig.validator.toUpperCase() : (validators[i]?.address.toUpperCase() ?? '');
    const flag = commitFlag(sig.blockIdFlag) ?? 'absent';
    const row: CommitRow = { validator, flag, power: power.get(validator) ?? '' };
    if (flag !== 'absent' && sig.timestamp) row.timestamp = sig.timestamp;
    rows.push(row);
    seen.add(validator);
  });
  // A set larger than the commit (the page read another height's set) still shows everyone.
  for (const v of validators) {
    const address = v.address.toUpperCase();
    if (!seen.has(address)) rows.push({ validator: address, flag: 'absent', power: v.power });
  }
  let signed = 0n;
  let total = 0n;
  for (const v of validators) total += toBig(v.power);
  for (const r of rows) if (r.flag === 'commit') signed += toBig(r.power);
  return { rows, signedPower: signed.toString(), totalPower: total.toString() };
}

function toBig(s: string): bigint {
  return /^[0-9]+$/.test(s) ? BigInt(s) : 0n;
}
