/**
 * Nesting depth of JSON text, measured before parsing. JSON.parse itself copes with deep text,
 * but everything after it that walks the value (JSON.stringify, the contract engine, the views)
 * recurses, so text nested deeper than a caller could need is refused up front: by the RPC
 * (src/rpc/json-depth.ts holds its limits) and by the app's query router.
 */

/** True when `text` opens more than `limit` arrays/objects at once. Linear, no allocation. */
export function nestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}
