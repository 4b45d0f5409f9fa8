/** Validator names for the vote grid: the genesis file's names, then the roster's node names. */

const ADDRESS = /^[0-9A-Fa-f]{40}$/;

/** genesis → upper-case address → name, for the validators the genesis names; junk is skipped. */
export function genesisNames(raw: unknown): Map<string, string> {
  const names = new Map<string, string>();
  const genesis = typeof raw === 'object' && raw !== null ? (raw as { genesis?: unknown }).genesis : undefined;
  const validators = typeof genesis === 'object' && genesis !== null ? (genesis as { validators?: unknown }).validators : undefined;
  if (!Array.isArray(validators)) return names;
  for (const v of validators.slice(0, 1000)) {
    if (typeof v !== 'object' || v === null) continue;
    const { address, name } = v as { address?: unknown; name?: unknown };
    if (typeof address === 'string' && ADDRESS.test(address) && typeof name === 'string' && name.length > 0) names.set(address.toUpperCase(), name.slice(0, 60));
  }
  return names;
}
