/** `cmt tx stake ...`: candidacy, delegation, unbonding, redelegation, commission, jail and rewards (spec/staking.md). */
import type { Command } from 'commander';
import { formatCmt, parseAmount } from '../../codec/amount.js';
import { bytesEqual, fromHex, utf8 } from '../../codec/bytes.js';
import type { Msg } from '../../codec/tx.js';
import { addressFromPublicKey, formatAddress, parseAddress } from '../../crypto/address.js';
import { KeyDirectory } from '../../crypto/key-directory.js';
import { homePaths } from '../../node/home.js';
import { readValidatorKey } from '../../node/priv-validator.js';
import { RpcClientError, type RpcClient } from '../../rpc/client.js';
import { RPC_NOT_FOUND } from '../../rpc/errors.js';
import { optionParser } from '../arguments.js';
import { resolveHome, rpcClient, type CommonOptions } from '../context.js';
import { CommandError, parseOutputFormat, printResult, table, type OutputFormat } from '../output.js';
import { submitTx, type Submitted } from '../submit-tx.js';
import { unlockKey } from './keys.js';

export interface StakeOptions extends CommonOptions {
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

/** Commission in basis points, 0..10000 (`--commission-bps`). */
export function parseCommissionBps(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 10_000) throw new CommandError(`--commission-bps must be an integer 0..10000, got "${value}"`, 'INVALID_ARGUMENT');
  return Number(value);
}

/** A staking amount: parseAmount, and more than zero. */
function positiveAmount(value: string, what: string): bigint {
  const amount = parseAmount(value);
  if (amount === 0n) throw new CommandError(`${what} must be more than zero`, 'INVALID_ARGUMENT');
  return amount;
}

/** Text fields of a candidacy, at most as long (in UTF-8 bytes) as the transaction allows. */
const TEXT_LIMITS = { name: 64, website: 128, description: 512 } as const;

function checkText(field: keyof typeof TEXT_LIMITS, value: string): string {
  const bytes = utf8(value).length;
  if (bytes > TEXT_LIMITS[field]) throw new CommandError(`--${field} is ${bytes} bytes; at most ${TEXT_LIMITS[field]} are allowed`, 'INVALID_ARGUMENT');
  return value;
}

/** The JSON of RPC `candidate` that the commands below read. */
interface CandidateAnswer {
  owner: string;
  status: string;
  max_stake: string;
  total_stake: string;
  name: string;
  website: string;
  description: string;
  delegators: number;
}

/** The sender's own candidate record, or a clear error when it never declared. */
async function ownCandidate(client: RpcClient, sender: Uint8Array): Promise<CandidateAnswer> {
  try {
    return await client.call<CandidateAnswer>('candidate', { address: formatAddress(sender) });
  } catch (err) {
    if (err instanceof RpcClientError && err.rpcCode === RPC_NOT_FOUND) {
      throw new CommandError(`${formatAddress(sender)} has not declared candidacy (see "cmt tx stake declare")`, 'NOT_A_CANDIDATE');
    }
    throw err;
  }
}

export function common(cmd: Command, fromHelp = 'the key that signs (the candidate owner, or the delegator)'): Command {
  return cmd
    .requiredOption('--from <name>', fromHelp)
    .option('--memo <text>', 'a note stored with the transaction', '')
    .option('--gas <n|auto>', 'gas limit; auto: a dry run on the node plus 20%', 'auto')
    .option('--no-wait', 'return once the mempool accepts it')
    .option('--passphrase-file <file>', 'read the key passphrase from the first line of a file')
    .option('--home <dir>', 'home holding keys/ (default: $CMT_HOME or ~/.cmt/devnet)')
    .option('--node <url>', 'RPC address (default: $CMT_NODE, the home config, or http://127.0.0.1:26657)')
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text');
}

export interface Prepared {
  msg: Msg;
  /** A gas limit to use instead of submitTx's estimate, when --gas is auto. */
  gas?: number;
}

/**
 * Signs and submits a message. `build` may read the chain first (with the signer's address),
 * for messages that depend on the current state: arguments are checked before it, so a bad
 * command line fails without a passphrase prompt or a node. `describe` may read the result
 * (its events, once a block included it).
 */
export async function send(
  options: StakeOptions,
  build: Msg | ((client: RpcClient, sender: Uint8Array) => Promise<Prepared>),
  describe: string | ((sent: Submitted) => string),
): Promise<void> {
  const key = await unlockKey(new KeyDirectory(homePaths(resolveHome(options)).keys), options.from, options);
  const client = await rpcClient(options);
  const prepared = typeof build === 'function' ? await build(client, addressFromPublicKey(key.publicKey)) : { msg: build };
  const gas = options.gas === 'auto' && prepared.gas !== undefined ? String(prepared.gas) : options.gas;
  const sent = await submitTx(client, key, prepared.msg, { memo: options.memo, gas, wait: options.wait });
  printResult(options.output, sent.answer, () =>
    table([
      ['hash', sent.hash],
      ['height', sent.waited ? sent.height : '(pending)'],
      ['status', sent.waited ? 'success' : 'accepted into the mempool'],
      ['done', typeof describe === 'function' ? describe(sent) : describe],
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

  common(stake.command('update'))
    .description("change the candidacy's maximum stake or public details; what is not given stays as it is")
    .option('--max-stake <amount>', 'the most total stake the candidate accepts (self-stake must stay at least 10% of it)')
    .option('--name <name>', 'public name')
    .option('--website <url>', 'public website')
    .option('--description <text>', 'public description')
    .action(async (o: StakeOptions & { maxStake?: string; name?: string; website?: string; description?: string }) => {
      if (o.maxStake === undefined && o.name === undefined && o.website === undefined && o.description === undefined) {
        throw new CommandError('nothing to update: give at least one of --max-stake, --name, --website, --description', 'INVALID_ARGUMENT');
      }
      const maxStake = o.maxStake === undefined ? undefined : positiveAmount(o.maxStake, '--max-stake');
      const name = o.name === undefined ? undefined : checkText('name', o.name);
      const website = o.website === undefined ? undefined : checkText('website', o.website);
      const description = o.description === undefined ? undefined : checkText('description', o.description);
      await send(
        o,
        async (client, sender) => {
          const current = await ownCandidate(client, sender);
          return {
            msg: {
              type: 'updateCandidacy',
              maxStake: maxStake ?? BigInt(current.max_stake),
              name: name ?? current.name,
              website: website ?? current.website,
              description: description ?? current.description,
            },
          };
        },
        `updated the candidacy${maxStake === undefined ? '' : ` (max stake ${formatCmt(maxStake)})`}`,
      );
    });

  common(stake.command('withdraw-candidacy'))
    .description('end the candidacy: every delegation, the self-stake included, starts unbonding')
    .action(async (o: StakeOptions) => {
      await send(
        o,
        async (client, sender) => {
          // A clear error for a sender that never declared; --gas auto's dry run counts the gas per delegation.
          await ownCandidate(client, sender);
          return { msg: { type: 'withdrawCandidacy' } };
        },
        'withdrew the candidacy; its stake is unbonding',
      );
    });

  common(stake.command('redelegate'))
    .description('move stake from one candidate to another at once (no unbonding period)')
    .requiredOption('--from-candidate <address>', 'the candidate the stake leaves')
    .requiredOption('--to-candidate <address>', 'the candidate the stake goes to')
    .requiredOption('--amount <amount>', 'e.g. 1000cmt')
    .action(async (o: StakeOptions & { fromCandidate: string; toCandidate: string; amount: string }) => {
      const from = parseAddress(o.fromCandidate);
      const to = parseAddress(o.toCandidate);
      if (bytesEqual(from, to)) throw new CommandError('--from-candidate and --to-candidate are the same candidate', 'INVALID_ARGUMENT');
      const amount = positiveAmount(o.amount, '--amount');
      await send(o, { type: 'redelegate', from, to, amount }, `redelegated ${formatCmt(amount)} from ${formatAddress(from)} to ${formatAddress(to)}`);
    });

  common(stake.command('set-commission'))
    .description('change the commission (at most 1 percentage point per day by default)')
    .option('--commission <rate>', 'the new commission, e.g. 5% or 500 (basis points), as for declare')
    .option('--commission-bps <n>', 'the new commission in basis points, 0..10000')
    .action(async (o: StakeOptions & { commission?: string; commissionBps?: string }) => {
      if ((o.commission === undefined) === (o.commissionBps === undefined)) throw new CommandError('give exactly one of --commission <rate> or --commission-bps <n>', 'INVALID_ARGUMENT');
      const bps = o.commission !== undefined ? parseCommission(o.commission) : parseCommissionBps(o.commissionBps as string);
      await send(o, { type: 'setCommission', commissionBps: bps }, `set the commission to ${bps / 100}%`);
    });

  common(stake.command('unjail'))
    .description('return a jailed candidate to the election once its jail period is over')
    .action(async (o: StakeOptions) => {
      await send(o, { type: 'unjail' }, 'unjailed; the candidate is eligible again from the next epoch');
    });
}
