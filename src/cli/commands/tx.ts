/** `cmt tx send`: sign a CMT transfer with a named key and wait until a block includes it. */
import type { Command } from 'commander';
import { formatCmt, parseAmount } from '../../codec/amount.js';
import { addressFromPublicKey, formatAddress, parseAddress } from '../../crypto/address.js';
import { KeyDirectory } from '../../crypto/key-directory.js';
import { homePaths } from '../../node/home.js';
import { parseNonNegativeInt, parsePositiveInt, optionParser } from '../arguments.js';
import { resolveHome, rpcClient, type CommonOptions } from '../context.js';
import { parseOutputFormat, printResult, table, type OutputFormat } from '../output.js';
import { submitTx } from '../submit-tx.js';
import { registerGovCommands } from './gov.js';
import { registerStakeCommands } from './stake.js';
import { unlockKey } from './keys.js';
import { describeCommand } from '../command-table.js';

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

export function registerTxCommands(program: Command): void {
  const tx = program.command('tx').description(describeCommand('tx'));
  registerStakeCommands(tx);
  registerGovCommands(tx);
  tx.command('send')
    .description('send CMT from a named key to an address; waits until a block includes it')
    .requiredOption('--from <name>', 'name of the sending key (see cmt keys list)')
    .requiredOption('--to <address>', 'recipient address (0x + 40 hex digits)')
    .requiredOption('--amount <amount>', 'e.g. 5cmt, 0.25cmt, or base units')
    .option('--memo <text>', 'a note stored with the transaction (up to 256 bytes)', '')
    .option('--gas <n|auto>', 'gas limit; auto: a dry run on the node plus 20%', 'auto')
    .option('--gas-price <amount>', "base units per gas (default: the next block's base fee, at least the chain minimum)")
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
      const sender = addressFromPublicKey(key.publicKey);
      const sent = await submitTx(client, key, { type: 'transfer', to, amount }, { memo: options.memo, gas: options.gas, gasPrice, nonce: options.nonce, wait: options.wait });
      if (!sent.waited) {
        printResult(options.output, sent.answer, () => table([['hash', sent.hash], ['status', 'accepted into the mempool']]));
        return;
      }
      const fee = sent.gasUsed * sent.body.gasPrice;
      printResult(options.output, sent.answer, () =>
        table([
          ['hash', sent.hash],
          ['height', sent.height],
          ['status', 'success'],
          ['sent', `${formatCmt(amount)} from ${formatAddress(sender)} to ${formatAddress(to)}`],
          ['fee', `${formatCmt(fee)} (${sent.gasUsed} gas x ${sent.body.gasPrice})`],
        ]),
      );
    });
}
