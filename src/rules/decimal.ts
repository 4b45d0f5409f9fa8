/**
 * The rules language's numbers (spec/rules.md, "Numbers"): integers and exact decimals, never
 * binary floats. A value is `units × 10^-scale` with a bigint `units`, kept canonical (no
 * trailing zero in the fraction), so equal numbers have one form and compare, hash and print
 * alike on every node. Addition, subtraction and multiplication are exact; division keeps
 * DIVISION_SCALE fraction digits, rounding half to even. A result longer than MAX_DIGITS is
 * refused: a rule cannot grow a number without bound.
 */

/** Fraction digits a quotient keeps. */
export const DIVISION_SCALE = 18;
/** Digits (integer and fraction together) a number may have: 78 holds any 256-bit integer. */
export const MAX_DIGITS = 78;

export class DecimalError extends Error {}

const TEXT = /^(-?)(\d+)(?:\.(\d+))?$/;

export class Decimal {
  private constructor(
    /** The digits as an integer. */
    readonly units: bigint,
    /** How many of them are after the point; 0 for an integer. */
    readonly scale: number,
  ) {}

  /** The canonical value of units × 10^-scale; refused past MAX_DIGITS. */
  static of(units: bigint, scale = 0): Decimal {
    let u = units;
    let s = scale;
    while (s > 0 && u % 10n === 0n) {
      u /= 10n;
      s -= 1;
    }
    const digits = (u < 0n ? -u : u).toString().length;
    if (Math.max(digits, s) > MAX_DIGITS) throw new DecimalError(`a number of more than ${MAX_DIGITS} digits`);
    return new Decimal(u, s);
  }

  static int(n: number | bigint): Decimal {
    if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new DecimalError(`${n} is not a safe integer`);
    return Decimal.of(BigInt(n));
  }

  /** `-?digits(.digits)?`, as written in a rule file or a fact; anything else is refused. */
  static parse(text: string): Decimal {
    if (text.length > MAX_DIGITS + 2) throw new DecimalError(`a number of more than ${MAX_DIGITS} digits`);
    const m = TEXT.exec(text);
    if (!m) throw new DecimalError(`"${text.slice(0, 40)}" is not a number (digits, an optional point and digits)`);
    const [, sign, whole = '', fraction = ''] = m;
    const units = BigInt(`${whole}${fraction}`);
    return Decimal.of(sign === '-' ? -units : units, fraction.length);
  }

  get isInteger(): boolean {
    return this.scale === 0;
  }

  /** Digits in the canonical form: what the gas of an operation on it is counted in. */
  get digits(): number {
    return Math.max((this.units < 0n ? -this.units : this.units).toString().length, this.scale);
  }

  private aligned(other: Decimal): [bigint, bigint, number] {
    const scale = Math.max(this.scale, other.scale);
    return [this.units * 10n ** BigInt(scale - this.scale), other.units * 10n ** BigInt(scale - other.scale), scale];
  }

  add(other: Decimal): Decimal {
    const [a, b, scale] = this.aligned(other);
    return Decimal.of(a + b, scale);
  }

  sub(other: Decimal): Decimal {
    const [a, b, scale] = this.aligned(other);
    return Decimal.of(a - b, scale);
  }

  mul(other: Decimal): Decimal {
    return Decimal.of(this.units * other.units, this.scale + other.scale);
  }

  /** The quotient to DIVISION_SCALE fraction digits, half to even; by zero is refused. */
  div(other: Decimal): Decimal {
    if (other.units === 0n) throw new DecimalError('division by zero');
    // this / other = (tu / 10^ts) / (ou / 10^os) = tu × 10^(os + S - ts) / ou × 10^-S
    const shift = other.scale + DIVISION_SCALE - this.scale;
    const numerator = shift >= 0 ? this.units * 10n ** BigInt(shift) : this.units;
    const denominator = shift >= 0 ? other.units : other.units * 10n ** BigInt(-shift);
    return Decimal.of(roundHalfEven(numerator, denominator), DIVISION_SCALE);
  }

  /** This number to `places` digits after the point, half to even. */
  round(places: number): Decimal {
    if (this.scale <= places) return this;
    return Decimal.of(roundHalfEven(this.units, 10n ** BigInt(this.scale - places)), places);
  }

  /** The remainder of truncated division (the sign of the dividend), exact. */
  mod(other: Decimal): Decimal {
    if (other.units === 0n) throw new DecimalError('division by zero');
    const [a, b, scale] = this.aligned(other);
    return Decimal.of(a % b, scale);
  }

  neg(): Decimal {
    return Decimal.of(-this.units, this.scale);
  }

  compare(other: Decimal): -1 | 0 | 1 {
    const [a, b] = this.aligned(other);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  equals(other: Decimal): boolean {
    return this.units === other.units && this.scale === other.scale;
  }

  toString(): string {
    const negative = this.units < 0n;
    const digits = (negative ? -this.units : this.units).toString();
    if (this.scale === 0) return `${negative ? '-' : ''}${digits}`;
    const padded = digits.padStart(this.scale + 1, '0');
    return `${negative ? '-' : ''}${padded.slice(0, -this.scale)}.${padded.slice(-this.scale)}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** n / d rounded to the nearest integer, a tie to the even one. */
function roundHalfEven(n: bigint, d: bigint): bigint {
  const negative = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  let q = an / ad;
  const twice = (an % ad) * 2n;
  if (twice > ad || (twice === ad && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}
