/**
 * Damage a valid file the way a disk, an editor or an attacker would: cut it short, change
 * bytes, or, for JSON, drop a field, give it a value of another type or range, or add one.
 */
import fc from 'fast-check';

export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'drop'; field: number }
  | { kind: 'set'; field: number; value: unknown }
  | { kind: 'add'; name: string; value: unknown }
  | { kind: 'replace'; value: unknown };

/** Values of every JSON type and the awkward numbers: negative, fractional, huge, unsafe. */
export const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1, 0.5, 2, 3, 4, -0.5, 1e300, 2 ** 53, Number.MAX_SAFE_INTEGER, '', '0x', 'zz', '00', 'ab'.repeat(32), 'ab'.repeat(64), 'AB'.repeat(32), [], {}),
  fc.integer(),
  fc.string({ maxLength: 80 }),
  fc.stringMatching(/^[0-9a-f]{0,140}$/),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.integer(), { maxKeys: 3 }),
);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('drop' as const), field: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), field: fc.nat(), value: jsonValue }),
  fc.record({ kind: fc.constant('add' as const), name: fc.string({ minLength: 1, maxLength: 12 }), value: jsonValue }),
  fc.record({ kind: fc.constant('replace' as const), value: jsonValue }),
);

/** Paths of every field of a JSON value, objects and arrays alike, depth first. */
function fieldPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => [[...prefix, k], ...fieldPaths((value as Record<string | number, unknown>)[k], [...prefix, k])]);
}

function parentOf(root: unknown, path: (string | number)[]): Record<string | number, unknown> {
  let at = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  return at;
}

/** The mutated bytes of `original`; JSON mutations of a non-JSON file fall back to byte changes. */
export function mutate(original: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === 'truncate') return original.subarray(0, original.length === 0 ? 0 : m.at % original.length);
  if (m.kind === 'byte') {
    const out = Uint8Array.from(original);
    if (out.length > 0) out[m.at % out.length] = m.value;
    return out;
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(original).toString('utf8'));
  } catch {
    return mutate(original, { kind: 'byte', at: m.kind === 'add' ? m.name.length : 'field' in m ? m.field : 0, value: 0x7b });
  }
  if (m.kind === 'replace') json = m.value;
  else if (m.kind === 'add') {
    if (json !== null && typeof json === 'object' && !Array.isArray(json)) (json as Record<string, unknown>)[m.name] = m.value;
  } else {
    const paths = fieldPaths(json);
    const path = paths[m.field % Math.max(1, paths.length)];
    if (path) {
      const parent = parentOf(json, path);
      const key = path[path.length - 1] as string | number;
      if (m.kind === 'drop') {
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
      } else parent[key] = m.value;
    }
  }
  return new TextEncoder().encode(JSON.stringify(json, null, 2));
}
