/** `cmt tx gov ...`: submit governance proposals and vote on them (spec/governance.md). */
import type { Command } from 'commander';
import { formatCmt, parseAmount } from '../../codec/amount.js';
import { utf8 } from '../../codec/bytes.js';
import { VOTE_OPTIONS, type ProposalChange, type VoteOption } from '../../codec/tx.js';
import { PARAM_NAMES, PARAM_REGISTRY } from '../../app/gov/param-registry.js';
import { formatAddress, parseAddress } from '../../crypto/address.js';
import { optionParser, parsePositiveInt } from '../arguments.js';
import { CommandError } from '../output.js';
import type { Submitted } from '../submit-tx.js';
import { common, send, type StakeOptions } from './stake.js';

/** The most changes one proposal carries (the transaction codec's limit). */
const MAX_PARAM_CHANGES = 32;
const TEXT_LIMITS = { title: 140, description: 2048 } as const;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

function invalid(message: string): CommandError {
  return new CommandError(message, 'INVALID_ARGUMENT');
}

function checkText(field: keyof typeof TEXT_LIMITS, value: string): string {
  const bytes = utf8(value).length;
  if (bytes > TEXT_LIMITS[field]) throw invalid(`--${field} is ${bytes} bytes; at most ${TEXT_LIMITS[field]} are allowed`);
  return value;
}

/**
 * `NAME=VALUE` items of --param: a known parameter name (spec/governance.md, "Parameters"),
 * a canonical decimal integer within that parameter's own bounds, no name twice. Checks that
 * span parameters (the whole resulting set) are the chain's, at submission.
 */
export function parseParamChanges(items: readonly string[]): { name: string; value: string }[] {
  if (items.length > MAX_PARAM_CHANGES) throw invalid(`a proposal changes at most ${MAX_PARAM_CHANGES} parameters, got ${items.length}`);
  const seen = new Set<string>();
  return items.map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0) throw invalid(`--param must be NAME=VALUE (e.g. staking.epochBlocks=12), got "${item}"`);
    const name = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    const spec = PARAM_REGISTRY.get(name);
    if (!spec) throw invalid(`unknown parameter "${name}"; the names are staking.<field>, app.* and consensus.* (spec/governance.md), e.g. ${PARAM_NAMES.slice(0, 3).join(', ')}`);
    if (seen.has(name)) throw invalid(`--param ${name} is given twice`);
    seen.add(name);
    if (!DECIMAL.test(value) || value.length > 78) throw invalid(`--param ${name}: "${value}" is not a decimal integer (digits only, no leading zeros; amounts in base units)`);
    const v = BigInt(value);
    if (v < spec.min || v > spec.max) throw invalid(`--param ${name}: ${value} is out of range [${spec.min}, ${spec.max}]`);
    return { name, value };
  });
}

export function parseVoteOption(value: string): VoteOption {
  const option = value.trim().toLowerCase();
  const found = VOTE_OPTIONS.find((o) => o === option);
  if (!found) throw invalid(`--option must be one of ${VOTE_OPTIONS.join(', ')}, got "${value}"`);
  return found;
}

interface SubmitOptions extends StakeOptions {
  title: string;
  description: string;
  param?: string[];
  spendTo?: string;
  spendAmount?: string;
  deposit?: string;
  effectiveHeight?: number;
}

/** The change a submit-proposal command line asks for: exactly one kind. */
function changeOf(o: SubmitOptions): ProposalChange {
  const params = o.param ?? [];
  const spend = o.spendTo !== undefined || o.spendAmount !== undefined;
  if (params.length > 0 && spend) throw invalid('a proposal makes one kind of change: give --param NAME=VALUE or --spend-to/--spend-amount, not both');
  if (params.length > 0) return { type: 'params', changes: parseParamChanges(params) };
  if (!spend) throw invalid('nothing to propose: give --param NAME=VALUE (repeatable) or --spend-to ADDR --spend-amount AMOUNT');
  if (o.spendTo === undefined || o.spendAmount === undefined) throw invalid('a community spend needs both --spend-to and --spend-amount');
  const recipient = parseAddress(o.spendTo);
  const amount = parseAmount(o.spendAmount);
  if (amount === 0n) throw invalid('--spend-amount must be more than zero');
  return { type: 'communitySpend', recipient, amount };
}

function describeChange(change: ProposalChange): string {
  return change.type === 'params'
    ? change.changes.map((c) => `${c.name}=${c.value}`).join(', ')
    : `spend ${formatCmt(change.amount)} from the community pool to ${formatAddress(change.recipient)}`;
}

interface TxEvents {
  tx_result?: { events?: { type: string; attributes: { key: string; value: string }[] }[] } | null;
}

/** The attributes of the transaction's `proposal_submitted` event, once a block included it. */
export function submittedAttributes(sent: Submitted): Record<string, string> | undefined {
  if (!sent.waited) return undefined;
  const event = (sent.answer as TxEvents).tx_result?.events?.find((e) => e.type === 'proposal_submitted');
  return event ? Object.fromEntries(event.attributes.map((a) => [a.key, a.value])) : undefined;
}

export function registerGovCommands(tx: Command): void {
  const gov = tx.command('gov').description('governance: submit proposals and vote on them');

  common(gov.command('submit-proposal'), 'the key that signs and pays the deposit')
    .description('propose parameter changes or a community-pool spend; the deposit returns when quorum is met, and is burned when it is not')
    .requiredOption('--title <text>', 'a short title (at most 140 bytes)')
    .option('--description <text>', 'what and why (at most 2048 bytes)', '')
    .option('--param <NAME=VALUE>', 'a parameter change, e.g. staking.epochBlocks=12 (repeatable; names in spec/governance.md; amounts in base units)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--spend-to <address>', 'a community-pool spend: the recipient')
    .option('--spend-amount <amount>', 'a community-pool spend: the amount, e.g. 1000cmt')
    .option('--deposit <amount>', "the deposit (default: the chain's minimum, staking parameter govDeposit)")
    .option('--effective-height <h>', 'the block at whose end a passed proposal takes effect (default: the end of voting)', optionParser(parsePositiveInt))
    .action(async (o: SubmitOptions) => {
      if (o.title.trim() === '') throw invalid('--title must not be blank');
      const title = checkText('title', o.title);
      const description = checkText('description', o.description);
      const change = changeOf(o);
      const deposit = o.deposit === undefined ? undefined : parseAmount(o.deposit);
      await send(
        o,
        async (client) => {
          const minimum = deposit ?? BigInt((await client.call<{ govDeposit: string }>('staking_params')).govDeposit);
          return { msg: { type: 'submitProposal', title, description, change, deposit: minimum, effectiveHeight: o.effectiveHeight ?? 0 } };
        },
        (sent) => {
          const a = submittedAttributes(sent);
          if (!a) return `submitted the proposal (${describeChange(change)}); its id shows in the transaction's proposal_submitted event once a block includes it`;
          return `submitted proposal ${a.proposal} (${describeChange(change)}) with a deposit of ${formatCmt(BigInt(a.deposit ?? '0'))}; voting ends at height ${a.votingEndHeight}, effective at height ${a.effectiveHeight}`;
        },
      );
    });

  common(gov.command('vote'), 'the key that votes (a candidate owner or a delegator with bonded stake)')
    .description('vote on a proposal while it is voting; voting again replaces the vote')
    .requiredOption('--proposal <id>', 'the proposal id', optionParser(parsePositiveInt))
    .requiredOption('--option <option>', 'yes, no or abstain')
    .action(async (o: StakeOptions & { proposal: number; option: string }) => {
      const option = parseVoteOption(o.option);
      await send(o, { type: 'vote', proposalId: o.proposal, option: VOTE_OPTIONS.indexOf(option) }, `voted ${option} on proposal ${o.proposal}`);
    });
}
