/**
 * JSON forms shared by the modules' query views, in the RPC's conventions (spec/queries.md):
 * amounts and heights as decimal strings, addresses as 0x hex, public keys as CometBFT's
 * typed base64.
 */
export function pubKeyJson(publicKey: Uint8Array): { type: string; value: string } {
  return { type: 'tendermint/PubKeyEd25519', value: Buffer.from(publicKey).toString('base64') };
}

export function unbondingEntryJson(u: { amount: bigint; createdAt: number; completesAt: number }): { amount: string; created_at: string; completes_at: string } {
  return { amount: u.amount.toString(), created_at: String(u.createdAt), completes_at: String(u.completesAt) };
}
