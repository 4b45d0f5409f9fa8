/**
 * `npm run bench -- transfers [--txs N] [--senders S] [--window W] [--rate R] [--batch B]
 *   [--connections C] [--block-time MS] [--fee-cap X] [--keep 1]`
 *
 * The testnet benchmark with one validator: a single node in its own process, fed pre-signed
 * transfers from many senders through its JSON-RPC (batches of broadcast_tx_sync over a few
 * connections, each owning a share of the senders so every sender's nonces arrive in order),
 * commits observed on its WebSocket. Same figures as `testnet` (bench/testnet.ts), CPU per
 * committed transaction against one signature verification included.
 */
import { runLoad, TESTNET_DEFAULTS } from './testnet.js';
import { parseNumericOptions } from './support-options.js';

export async function run(args: string[]): Promise<void> {
  await runLoad(parseNumericOptions(args, { ...TESTNET_DEFAULTS, txs: 60_000, connections: 4, validators: 1 }, 'transfers.ts'));
}
