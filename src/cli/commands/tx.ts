/** `cmt tx send`: sign a CMT transfer with a named key and wait until a block includes it. */
import type { Command } from 'commander';
import { formatCmt, parseAmount } from '../../codec/amount.js';
import type { TxBody } from '../../codec/tx.js';
import { addressFromPublicKey, formatAddress, parseAddress } from '../../crypto/address.js';
import { KeyDirectory } from '../../crypto/key-directory.js';
import { signTx } from '../../crypto/sign-tx.js';
import { txCodeName } from '../../app/errors.js';
import { homePaths } from '../../node/home.js';
import type { RpcClient } from '../../rpc/client.js';
import { parseNonNegativeInt, parsePositiveInt, optionParser } from '../arguments.js';
import { resolveHome, rpcClient, type CommonOptions } from '../context.js';
import { CommandError, parseOutputFormat, printResult, table, type OutputFormat } from '../output.js';
import { unlockKey } from './keys.js';

interface SendOptions extends CommonOptions {
  from: string;
  to: string;
  amount: string;
  memo: string;
  gas: string;
  gasPrice?: string;
  nonce?: number;
  wait: boolean;
  passphraseFile?: string;
  output: OutputFormat;
}

interface ChainParamsAnswer {
  app: { min_gas_price: string; gas: { tx_base: number; tx_byte: number; transfer: number } };
}

interface CheckAnswer {
  code: number;
  log: string;
  gas_wanted: string;
  gas_used: string;
}

interface CommitAnswer {
  check_tx: CheckAnswer;
  tx_result: CheckAnswer | null;
  hash: string;
  height: string;
}

/** Gas for a transfer of this size, with 10% to spare: only gas used is charged. */
function transferGas(params: ChainParamsAnswer, txLength: number): number {
  const g = params.app.gas;
  return Math.ceil((g.tx_base + g.tx_byte * txLength + g.transfer) * 1.1);
}

async function pendingNonce(client: RpcClient, address: Uint8Array): Promise<number> {
  const account = await client.call<{ pending_nonce: string }>('account', { address: formatAddress(address) });
  return Number(account.pending_nonce);
}

export function registerTxCommands(program: Command): void {
  const tx = program.command('tx').description('sign and send transactions');
  tx.command('send')
    .description('send CMT from a named key to an address; waits until a block includes it')
    .requiredOption('--from <name>', 'name of the sending key (see cmt keys list)')
    .requiredOption('--to <address>', 'recipient address (0x + 40 hex digits)')
    .requiredOption('--amount <amount>', 'e.g. 5cmt, 0.25cmt, or base units')
    .option('--memo <text>', 'a note stored with the transaction (up to 256 bytes)', '')
    .option('--gas <n|auto>', 'gas limit; auto computes it for a transfer', 'auto')
    .option('--gas-price <amount>', 'base units per gas (default: the chain minimum)')
    .option('--nonce <n>', 'override the nonce (default: the next pending nonce)', optionParser(parseNonNegativeInt))
    .option('--no-wait', 'return after the mempool accepts it instead of waiting for a block')
    .option('--passphrase-file <file>', 'read the key passphrase from the first line of a file')
    .option('--home <dir>', 'home holding keys/ (default: $CMT_HOME or ~/.cmt/devnet)')
    .option('--node <url>', 'RPC address (default: $CMT_NODE, the home config, or http://127.0.0.1:26657)')
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (options: SendOptions) => {
      const to = parseAddress(options.to);
      const amount = parseAmount(options.amount);
      if (options.gas !== 'auto') parsePositiveInt(options.gas);
      const gasPrice = options.gasPrice === undefined ? undefined : parseAmount(options.gasPrice);
      const key = await unlockKey(new KeyDirectory(homePaths(resolveHome(options)).keys), options.from, options);
      const client = await rpcClient(options);
      const [status, params] = await Promise.all([client.call<{ node_info: { network: string } }>('status'), client.call<ChainParamsAnswer>('params')]);
      const sender = addressFromPublicKey(key.publicKey);
      const body: TxBody = {
        chainId: status.node_info.network,
        nonce: options.nonce ?? (await pendingNonce(client, sender)),
        gasLimit: 1_000_000,
        gasPrice: gasPrice ?? BigInt(params.app.min_gas_price),
        memo: options.memo,
        msg: { type: 'transfer', to, amount },
      };
      body.gasLimit = options.gas === 'auto' ? transferGas(params, signTx(body, key).bytes.length) : Number(options.gas);
      const signed = signTx(body, key);
      const txHex = '0x' + Buffer.from(signed.bytes).toString('hex');

      if (!options.wait) {
        const res = await client.call<{ code: number; log: string; hash: string }>('broadcast_tx_sync', { tx: txHex });
        if (res.code !== 0) throw new CommandError(`transaction rejected: ${txCodeName(res.code)}: ${res.log}`, txCodeName(res.code));
        printResult(options.output, res, () => table([['hash', res.hash], ['status', 'accepted into the mempool']]));
        return;
      }
      const res = await client.call<CommitAnswer>('broadcast_tx_commit', { tx: txHex });
      if (res.check_tx.code !== 0) throw new CommandError(`transaction rejected: ${txCodeName(res.check_tx.code)}: ${res.check_tx.log}`, txCodeName(res.check_tx.code));
      const result = res.tx_result as CheckAnswer;
      const fee = BigInt(result.gas_used) * body.gasPrice;
      printResult(options.output, res, () =>
        table([
          ['hash', res.hash],
          ['height', res.height],
          ['status', result.code === 0 ? 'success' : `failed: ${txCodeName(result.code)}: ${result.log}`],
          ['sent', `${formatCmt(amount)} from ${formatAddress(sender)} to ${formatAddress(to)}`],
          ['fee', `${formatCmt(fee)} (${result.gas_used} gas x ${body.gasPrice})`],
        ]),
      );
      if (result.code !== 0) throw new CommandError(`transaction failed in block ${res.height}: ${txCodeName(result.code)}: ${result.log}`, txCodeName(result.code));
    });
}
