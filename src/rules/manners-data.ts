/**
 * Guests for the Miss Manners benchmark (bench/rules/manners.drl): `n` guests, sexes alternating,
 * each with 2 or 3 of `hobbies` hobbies drawn by a seeded generator, so every run of one size
 * seats the same table. Shared by the conformance test and `npm run bench -- rules`.
 */
export interface MannersGuest {
  name: string;
  sex: 'm' | 'f';
  hobbies: number[];
}

export function mannersGuests(n: number, hobbies = 3, seed = 1): MannersGuest[] {
  let state = seed >>> 0;
  const next = (): number => {
    // xorshift32: small, fixed, the same on every machine.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  return Array.from({ length: n }, (_, i) => {
    const count = 2 + (next() % 2);
    const chosen = new Set<number>();
    while (chosen.size < Math.min(count, hobbies)) chosen.add(1 + (next() % hobbies));
    return { name: `g${i + 1}`, sex: i % 2 === 0 ? 'm' : 'f', hobbies: [...chosen].sort((a, b) => a - b) };
  });
}

/** The facts of a Manners run, in the order they are inserted. */
export function mannersFacts(guests: readonly MannersGuest[]): { type: string; fields: Record<string, unknown> }[] {
  return [
    ...guests.flatMap((g) => g.hobbies.map((hobby) => ({ type: 'Guest', fields: { name: g.name, sex: g.sex, hobby } }))),
    { type: 'LastSeat', fields: { seat: guests.length } },
    { type: 'Count', fields: { c: 1 } },
    { type: 'Context', fields: { state: 'start' } },
  ];
}

/**
 * What is wrong with a seating (seats 1..n in order): an empty list when every guest sits once
 * and every two neighbours are of opposite sex with a hobby in common.
 */
export function seatingProblems(guests: readonly MannersGuest[], seats: readonly string[]): string[] {
  const problems: string[] = [];
  const byName = new Map(guests.map((g) => [g.name, g]));
  if (seats.length !== guests.length) problems.push(`${seats.length} seats for ${guests.length} guests`);
  if (new Set(seats).size !== seats.length) problems.push('a guest sits twice');
  for (let i = 1; i < seats.length; i++) {
    const a = byName.get(seats[i - 1] as string);
    const b = byName.get(seats[i] as string);
    if (!a || !b) problems.push(`seat ${i + 1}: an unknown guest`);
    else if (a.sex === b.sex) problems.push(`seats ${i} and ${i + 1}: the same sex`);
    else if (!a.hobbies.some((h) => b.hobbies.includes(h))) problems.push(`seats ${i} and ${i + 1}: no hobby in common`);
  }
  return problems;
}
