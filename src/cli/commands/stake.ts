/** `cmt tx stake ...`: candidacy, delegation, unbonding and rewards (spec/staking.md). */
import type { Command } from 'commander';
import { formatCmt, parseAmount } from '../../codec/amount.js';
import { fromHex } from '../../codec/bytes.js';
import type { Msg } from '../../codec/tx.js';
import { parseAddress } from '../../crypto/address.js';
import { KeyDirectory } from '../../crypto/key-directory.js';
import { homePaths } from '../../node/home.js';
import { readValidatorKey } from '../../node/priv-validator.js';
import { optionParser } from '../arguments.js';
import { resolveHome, rpcClient, type CommonOptions } from '../context.js';
import { CommandError, parseOutputFormat, printResult, table, type OutputFormat } from '../output.js';
import { submitTx } from '../submit-tx.js';
import { unlockKey } from './keys.js';

interface StakeOptions extends CommonOptions {
  from: string;
  memo: string;
  gas: string;
  wait: boolean;
  passphraseFile?: string;
  output: OutputFormat;
}

/** "5%", "2.5%" or basis points ("250"). */
export function parseCommission(value: string): number {
  const percent = /^(\d{1,3})(?:\.(\d{1,2}))?%$/.exec(value);
  const bps = percent ? Number(percent[1]) * 100 + Number((percent[2] ?? '').padEnd(2, '0') || 0) : /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) throw new CommandError(`commission must be a percentage like 5% or basis points 0..10000, got "${value}"`, 'INVALID_ARGUMENT');
  return bps;
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption('--from <name>', 'the key that signs (the candidate owner, or the delegator)')
    .option('--memo <text>', 'a note stored with the transaction', '')
    .option('--gas <n|auto>', 'gas limit', 'auto')
    .option('--no-wait', 'return once the mempool accepts it')
    .option('--passphrase-file <file>', 'read the key passphrase from the first line of a file')
    .option('--home <dir>', 'home holding keys/ (default: $CMT_HOME or ~/.cmt/devnet)')
    .option('--node <url>', 'RPC address (default: $CMT_NODE, the home config, or http://127.0.0.1:26657)')
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text');
}

async function send(options: StakeOptions, msg: Msg, describe: string): Promise<void> {
  const key = await unlockKey(new KeyDirectory(homePaths(resolveHome(options)).keys), options.from, options);
  const client = await rpcClient(options);
  const sent = await submitTx(client, key, msg, { memo: options.memo, gas: options.gas, wait: options.wait });
  printResult(options.output, sent.answer, () =>
    table([
      ['hash', sent.hash],
      ['height', sent.waited ? sent.height : '(pending)'],
      ['status', sent.waited ? 'success' : 'accepted into the mempool'],
      ['done', describe],
      ...(sent.waited ? [['fee', formatCmt(sent.gasUsed * sent.body.gasPrice)] as [string, string]] : []),
    ]),
  );
}

export function registerStakeCommands(tx: Command): void {
  const stake = tx.command('stake').description('candidacy, delegation, unbonding and rewards');

  common(stake.command('declare'))
    .description("declare candidacy with a self-stake; the consensus key defaults to this home's validator key")
    .requiredOption('--self-stake <amount>', 'CMT the candidate stakes itself, e.g. 10000cmt')
    .requiredOption('--max-stake <amount>', 'the most total stake the candidate accepts (self-stake must be at least 10% of it)')
    .option('--commission <rate>', 'share of rewards the candidate keeps, e.g. 5%', '10%')
    .option('--consensus-key <hex>', 'the Ed25519 public key the node signs blocks with (default: config/priv_validator_key.json)')
    .option('--name <name>', 'public name', '')
    .option('--website <url>', 'public website', '')
    .option('--description <text>', 'public description', '')
    .action(async (o: StakeOptions & { selfStake: string; maxStake: string; commission: string; consensusKey?: string; name: string; website: string; description: string }) => {
      const consensusKey = o.consensusKey ? fromHex(o.consensusKey, 'consensus key') : (await readValidatorKey(homePaths(resolveHome(o)).privValidatorKey)).publicKey;
      const selfStake = parseAmount(o.selfStake);
      await send(
        o,
        { type: 'declareCandidacy', consensusKey, selfStake, maxStake: parseAmount(o.maxStake), commissionBps: parseCommission(o.commission), name: o.name, website: o.website, description: o.description },
        `declared candidacy with ${formatCmt(selfStake)} self-stake`,
      );
    });

  common(stake.command('delegate'))
    .description('delegate CMT to a candidate')
    .requiredOption('--candidate <address>', "the candidate's owner address")
    .requiredOption('--amount <amount>', 'e.g. 1000cmt')
    .action(async (o: StakeOptions & { candidate: string; amount: string }) => {
      const amount = parseAmount(o.amount);
      await send(o, { type: 'delegate', candidate: parseAddress(o.candidate), amount }, `delegated ${formatCmt(amount)} to ${o.candidate}`);
    });

  common(stake.command('unbond'))
    .description('unbond stake from a candidate; the CMT returns after the unbonding period')
    .requiredOption('--candidate <address>', "the candidate's owner address")
    .requiredOption('--amount <amount>', 'e.g. 500cmt')
    .action(async (o: StakeOptions & { candidate: string; amount: string }) => {
      const amount = parseAmount(o.amount);
      await send(o, { type: 'unbond', candidate: parseAddress(o.candidate), amount }, `unbonding ${formatCmt(amount)} from ${o.candidate}`);
    });

  common(stake.command('withdraw-rewards'))
    .description('pay out the rewards (and, for the owner, the commission) earned with a candidate')
    .requiredOption('--candidate <address>', "the candidate's owner address")
    .action(async (o: StakeOptions & { candidate: string }) => {
      await send(o, { type: 'withdrawRewards', candidate: parseAddress(o.candidate) }, `withdrew rewards from ${o.candidate}`);
    });
}
