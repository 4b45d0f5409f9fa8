/**
 * What a webhook's caller signs (spec/webhooks.md, "Calling a hook"): the domain, the contract,
 * the hook's name and the body, so a signed call for one hook is worth nothing at another.
 * A hook name never holds a NUL (declaration.ts), which makes the split unambiguous.
 */
import { concatBytes, utf8 } from './bytes.js';

const HOOK_SIGN_DOMAIN = utf8('cmt/hook/v1\0');

export function hookSignBytes(contract: Uint8Array, hook: string, body: Uint8Array): Uint8Array {
  return concatBytes(HOOK_SIGN_DOMAIN, contract, utf8(hook), Uint8Array.of(0), body);
}
