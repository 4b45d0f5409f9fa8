/**
 * Which chains may run a Byzantine strategy (`cmt start --byzantine`, spec/faults.md): only the
 * throw-away chains this repository's tools make on one machine. A validator that double-signs
 * on a real chain is slashed and harms the chain, so the check is on the chain id, the one
 * thing a real network and a test network never share by accident: the CLI and Node.open both
 * call `assertLocalChain` before a strategy is installed.
 */
import { CmtError } from '../codec/errors.js';

/**
 * Chain ids made by `cmt testnet chaos` (`cmt-chaos-<scenario>`), by `cmt testnet start`
 * (default `cmt-testnet`) and by the tests (`cmt-test`). An id is local when it is one of these
 * or one of these followed by `-` and more; nothing else is (no `cmt-mainnet`, `cmt-local`,
 * `cmt-devnet`: those are what `cmt init` and `cmt devnet` make, and `cmt init` makes real chains).
 */
export const LOCAL_CHAIN_ID_PREFIXES = ['cmt-chaos', 'cmt-testnet', 'cmt-test'] as const;

export function isLocalChain(chainId: string): boolean {
  return LOCAL_CHAIN_ID_PREFIXES.some((p) => chainId === p || chainId.startsWith(`${p}-`));
}

/** Throws NOT_A_LOCAL_CHAIN, naming the chain id and what was refused, unless `chainId` is local. */
export function assertLocalChain(chainId: string, what = 'a Byzantine strategy'): void {
  if (isLocalChain(chainId)) return;
  const allowed = LOCAL_CHAIN_ID_PREFIXES.map((p) => `${p}[-…]`).join(', ');
  throw new CmtError('NOT_A_LOCAL_CHAIN', `${what} runs only on a local test chain (${allowed}); chain id "${chainId}" is not one`);
}
