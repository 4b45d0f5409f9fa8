/**
 * Nesting depth of JSON text, measured before parsing. JSON.parse itself copes with deep
 * text, but everything after it that walks the value (JSON.stringify, the contract engine,
 * the views) recurses, so text nested deeper than a request could need is refused up front.
 */

/** Deepest nesting a request body may have (an envelope, params, and contract args inside). */
export const MAX_REQUEST_DEPTH = 64;
/** Deepest value a contract_query answer may carry. */
export const MAX_RESULT_DEPTH = 256;

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
