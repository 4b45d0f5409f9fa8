/**
 * `cmt contract ...`: deploy a bundle directory, call a method in a transaction, query one for
 * free, and show a deployed contract (spec/contracts.md). Arguments are JSON arrays where a
 * string such as "10n" is a BigInt (cli/contract-args.ts); gas defaults to a dry run.
 */
import type { Command } from 'commander';
import { formatCmt, parseAmount } from '../../codec/amount.js';
import type { Msg } from '../../codec/tx.js';
import { contractAddress } from '../../app/contracts/layout.js';
import { addressFromPublicKey, formatAddress, parseAddress } from '../../crypto/address.js';
import { KeyDirectory } from '../../crypto/key-directory.js';
import { homePaths } from '../../node/home.js';
import { RpcClientError } from '../../rpc/client.js';
import { RPC_CONTRACT_FAILED, RPC_NOT_FOUND } from '../../rpc/errors.js';
import { optionParser, parsePositiveInt } from '../arguments.js';
import { readBundleDir } from '../bundle-dir.js';
import { formatContractValue, parseContractArgs } from '../contract-args.js';
import { resolveHome, rpcClient, type CommonOptions } from '../context.js';
import { CommandError, parseOutputFormat, printResult, table, type OutputFormat } from '../output.js';
import { receiptOf, receiptRows, type Receipt } from '../receipt.js';
import { submitTx } from '../submit-tx.js';
import { unlockKey } from './keys.js';
import { describeCommand } from '../command-table.js';

interface ReadOptions extends CommonOptions {
  output: OutputFormat;
}

interface TxOptions extends ReadOptions {
  from: string;
  value: string;
  gas: string;
  gasPrice?: string;
  memo: string;
  passphraseFile?: string;
}

/** `auto` or a positive gas limit. */
export function parseGas(value: string): string {
  return value === 'auto' ? value : String(parsePositiveInt(value));
}

const nodeOptions = (cmd: Command): Command =>
  cmd
    .option('--node <url>', 'RPC address (default: $CMT_NODE, the home config, or http://127.0.0.1:26657)')
    .option('--home <dir>', 'home holding keys/ and naming the node (default: $CMT_HOME or ~/.cmt/devnet)')
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text');

const txOptions = (cmd: Command): Command =>
  nodeOptions(
    cmd
      .requiredOption('--from <name>', 'name of the key that signs and pays (see cmt keys list)')
      .option('--value <amount>', 'CMT moved to the contract, e.g. 1cmt or base units', '0')
      .option('--gas <n|auto>', 'gas limit; auto: a dry run on the node plus 20%', optionParser(parseGas), 'auto')
      .option('--gas-price <amount>', "base units per gas (default: the next block's base fee, at least the chain minimum)")
      .option('--memo <text>', 'a note stored with the transaction', '')
      .option('--passphrase-file <file>', 'read the key passphrase from the first line of a file'),
  );

/** Signs and sends a contract message; waits for the block and returns its receipt. */
async function sendContractTx(o: TxOptions, msg: Msg): Promise<{ receipt: Receipt; sender: Uint8Array; nonce: number }> {
  const gasPrice = o.gasPrice === undefined ? undefined : parseAmount(o.gasPrice);
  const key = await unlockKey(new KeyDirectory(homePaths(resolveHome(o)).keys), o.from, o);
  const client = await rpcClient(o);
  const sender = addressFromPublicKey(key.publicKey);
  const sent = await submitTx(client, key, msg, { memo: o.memo, gas: o.gas, gasPrice, wait: true });
  if (!sent.waited) throw new CommandError('the transaction was not waited for', 'INTERNAL');
  return { receipt: receiptOf({ hash: sent.hash, height: sent.height, result: sent.result, body: sent.body, sender }), sender, nonce: sent.body.nonce };
}

/** RPC errors of the read-only commands, said plainly. */
function contractRpcError(err: unknown, address: Uint8Array): unknown {
  if (err instanceof RpcClientError && err.rpcCode === RPC_NOT_FOUND) return new CommandError(`no contract at ${formatAddress(address)}`, 'CONTRACT_NOT_FOUND');
  if (err instanceof RpcClientError && err.rpcCode === RPC_CONTRACT_FAILED) return new CommandError(err.message.replace(/^Contract failed: /, ''), 'CONTRACT_FAILED');
  return err;
}

/** Method names as a transaction carries them: 1-64 bytes, not reserved. */
function parseMethod(method: string): string {
  if (method.length === 0 || Buffer.byteLength(method, 'utf8') > 64) throw new CommandError(`a method name is 1-64 bytes, got "${method.slice(0, 80)}"`, 'INVALID_ARGUMENT');
  if (method.startsWith('__')) throw new CommandError(`method "${method}" is not callable (names starting with __ are reserved)`, 'INVALID_ARGUMENT');
  return method;
}

interface ContractAnswer {
  address: string;
  deployer: string;
  bundle_hash: string;
  deployed_at: string;
  balance: string;
  files: { name: string; bytes: number }[];
  methods?: string[];
}

export function registerContractCommands(program: Command): void {
  const contract = program.command('contract').description(describeCommand('contract'));

  txOptions(contract.command('deploy <dir>'))
    .description('deploy the bundle of DIR (contract.js and every other file under it); waits for the block and prints the contract address')
    .option('--init-args <json>', 'JSON array for the contract\'s init export, e.g. \'["10n"]\' ("10n" is a BigInt)')
    .action(async (dir: string, o: TxOptions & { initArgs?: string }) => {
      const initArgs = o.initArgs === undefined ? '' : parseContractArgs(o.initArgs, '--init-args');
      const value = parseAmount(o.value);
      if (o.gasPrice !== undefined) parseAmount(o.gasPrice);
      const bundle = await readBundleDir(dir);
      const { receipt, sender, nonce } = await sendContractTx(o, { type: 'deployContract', bundle: bundle.bundle, initArgs, value });
      const deployed = receipt.events.find((e) => e.type === 'contract_deployed')?.attributes;
      const address = typeof deployed?.contract === 'string' ? deployed.contract : formatAddress(contractAddress(sender, nonce));
      const bundleHash = Buffer.from(bundle.hash).toString('hex');
      const answer = { address, bundle_hash: bundleHash, methods: deployed?.methods ?? [], ...receipt };
      printResult(o.output, answer, () =>
        table([
          ['contract', address],
          ['bundle', `${bundleHash} (${bundle.files.length} file(s), ${bundle.bundle.length} bytes)`],
          ['methods', Array.isArray(answer.methods) ? answer.methods.join(', ') : ''],
          ...receiptRows(receipt).filter(([label]) => label !== 'deployed'),
        ]),
      );
    });

  txOptions(contract.command('call <address> <method>'))
    .description('call a contract method in a transaction; waits for the block and prints the return value and events')
    .option('--args <json>', 'JSON array of arguments, e.g. \'[1, "x", "10n"]\' ("10n" is a BigInt)', '[]')
    .action(async (addressText: string, methodText: string, o: TxOptions & { args: string }) => {
      const address = parseAddress(addressText);
      const method = parseMethod(methodText);
      const args = parseContractArgs(o.args);
      const value = parseAmount(o.value);
      if (o.gasPrice !== undefined) parseAmount(o.gasPrice);
      const { receipt } = await sendContractTx(o, { type: 'callContract', contract: address, method, args, value });
      printResult(o.output, receipt, () => table(receiptRows(receipt)));
    });

  nodeOptions(contract.command('query <address> <method>'))
    .description('run a contract method read-only at the latest state: free, nothing is kept; prints the return value')
    .option('--args <json>', 'JSON array of arguments, e.g. \'[1, "x", "10n"]\' ("10n" is a BigInt)', '[]')
    .option('--from <address>', 'the address the method sees as ctx.sender (default: the zero address)')
    .action(async (addressText: string, methodText: string, o: ReadOptions & { args: string; from?: string }) => {
      const address = parseAddress(addressText);
      const method = parseMethod(methodText);
      const args = parseContractArgs(o.args);
      const from = o.from === undefined ? undefined : formatAddress(parseAddress(o.from));
      const client = await rpcClient(o);
      const answer = await client
        .call<{ result: unknown; gas_used: string }>('contract_query', { address: formatAddress(address), method, args, ...(from ? { from } : {}) })
        .catch((err: unknown) => {
          throw contractRpcError(err, address);
        });
      printResult(o.output, answer, () => formatContractValue(answer.result));
    });

  nodeOptions(contract.command('info <address>'))
    .description('a deployed contract: deployer, height, bundle hash and files, balance, methods')
    .action(async (addressText: string, o: ReadOptions) => {
      const address = parseAddress(addressText);
      const client = await rpcClient(o);
      const c = await client.call<ContractAnswer>('contract', { address: formatAddress(address) }).catch((err: unknown) => {
        throw contractRpcError(err, address);
      });
      printResult(o.output, c, () =>
        table([
          ['contract', c.address],
          ['deployer', c.deployer],
          ['deployed at', `height ${c.deployed_at}`],
          ['balance', formatCmt(BigInt(c.balance))],
          ['bundle', c.bundle_hash],
          ['methods', c.methods ? c.methods.join(', ') : '(cannot be listed)'],
          ...c.files.map((f): [string, string] => ['file', `${f.name} (${f.bytes} bytes)`]),
        ]),
      );
    });
}
