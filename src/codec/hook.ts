/**
 * What a webhook's caller signs (spec/webhooks.md, "Calling a hook"): the domain, the chain id
 * (its length first), the contract, the hook's name and the body, so a signed call for one
 * hook is worth nothing at another hook, contract or chain (a contract's address is the same on
 * every chain for the same deployer and nonce). A hook name never holds a NUL (declaration.ts),
 * which makes the split from the body unambiguous.
 */
import { concatBytes, utf8 } from './bytes.js';

const HOOK_SIGN_DOMAIN = utf8('cmt/hook/v1\0');

export function hookSignBytes(chainId: string, contract: Uint8Array, hook: string, body: Uint8Array): Uint8Array {
  const chain = utf8(chainId);
  return concatBytes(HOOK_SIGN_DOMAIN, Uint8Array.of(chain.length), chain, contract, utf8(hook), Uint8Array.of(0), body);
}
