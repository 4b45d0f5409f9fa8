/**
 * CometBFT's methods show a validator's address as CometBFT does (upper-case hex, no 0x);
 * the CLI shows every address in cmt's account form (0x, lower case). The same 20 bytes.
 */
export function accountForm(validatorAddress: string): string {
  return `0x${validatorAddress.replace(/^0x/i, '').toLowerCase()}`;
}
