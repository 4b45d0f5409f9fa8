/**
 * Text an attacker can make: any Unicode, lone surrogates included (a contract builds them with
 * String.fromCharCode), of any length (short, or one piece repeated thousands of times).
 */
import fc from 'fast-check';

/** One UTF-16 piece: ASCII, 2-, 3- and 4-byte characters, or a lone surrogate. */
export const textUnit: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('a', 'é', '€', '中', '𝄞', '\u0000', '"', '\\'),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
);

/** Short text, or a piece repeated up to `maxRepeat` times (most limits are a few KiB). */
export function hostileText(maxRepeat = 3000): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: textUnit, maxLength: 40 }),
    fc.tuple(fc.string({ unit: textUnit, minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: maxRepeat })).map(([piece, n]) => piece.repeat(n)),
  );
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** What UTF-8 can carry of `text`: each lone surrogate becomes U+FFFD. */
export function wellFormed(text: string): string {
  return (text as string & { toWellFormed(): string }).toWellFormed();
}

export function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}
