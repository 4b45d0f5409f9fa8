/** `cmt query ...` and `cmt status`: read the chain through a node's RPC. */
import type { Command } from 'commander';
import { formatCmt } from '../../codec/amount.js';
import { fromHex } from '../../codec/bytes.js';
import { formatAddress, parseAddress } from '../../crypto/address.js';
import { txCodeName } from '../../app/errors.js';
import { PROPOSAL_STATUSES } from '../../app/gov/records.js';
import { rpcClient, type CommonOptions } from '../context.js';
import type { RpcClient } from '../../rpc/client.js';
import { CommandError, parseOutputFormat, printResult, table, type OutputFormat } from '../output.js';
import { parseNonNegativeInt, parsePositiveInt, optionParser } from '../arguments.js';
import { verifyAccountProof } from '../verify-account-proof.js';
import { accountForm } from '../validator-address.js';
import { receiptOf, receiptRows, txBodyOf } from '../receipt.js';
import { describeCommand } from '../command-table.js';

type QueryOptions = CommonOptions & { output: OutputFormat };

const common = (cmd: Command): Command =>
  cmd
    .option('--node <url>', 'RPC address of the node (default: $CMT_NODE, the home config, or http://127.0.0.1:26657)')
    .option('--home <dir>', 'home whose config names the node (default: $CMT_HOME or ~/.cmt/devnet)')
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text');

interface AccountAnswer {
  address: string;
  balance: string;
  nonce: string;
  pending_nonce: string;
  height: string;
  proof?: { proof: string; key: string; value: string | null; header_height: string };
}

interface CandidateAnswer {
  owner: string;
  consensus_address: string;
  name: string;
  website: string;
  description: string;
  status: 'active' | 'withdrawn' | 'jailed' | 'tombstoned';
  jailed_until: string;
  role: 'validator' | 'backup' | 'none';
  voting_power: string;
  total_stake: string;
  self_stake: string;
  total_shares: string;
  self_shares: string;
  max_stake: string;
  commission_bps: number;
  unpaid_commission: string;
}

interface StakingValidatorAnswer {
  address: string;
  voting_power: string;
  owner: string | null;
  name: string;
  status: string | null;
  total_stake: string | null;
  signing_info: { start_height: string; index_offset: string; missed_blocks: string; window: string } | null;
}

interface UnbondingEntryAnswer {
  amount: string;
  created_at: string;
  completes_at: string;
}

/** "jailed until height 1200" rather than a bare "jailed": when `unjail` is accepted. */
function statusText(c: Pick<CandidateAnswer, 'status' | 'jailed_until'>): string {
  return c.status === 'jailed' ? `jailed until height ${c.jailed_until}` : c.status;
}

function roleText(c: Pick<CandidateAnswer, 'role' | 'voting_power'>): string {
  return c.role === 'validator' ? `validator (power ${c.voting_power})` : c.role === 'backup' ? 'backup validator' : 'not in the set';
}

const percent = (bps: number): string => `${bps / 100}%`;

interface TallyAnswer {
  yes: string;
  no: string;
  abstain: string;
  bonded: string;
}

/** RPC `proposals` / `proposal` (spec/governance.md): `current_tally` is live while voting, final after. */
interface ProposalAnswer {
  id: number;
  proposer: string;
  title: string;
  description: string;
  change: { type: 'params'; changes: { name: string; value: string }[] } | { type: 'communitySpend'; recipient: string; amount: string };
  deposit: string;
  submitHeight: number;
  votingEndHeight: number;
  effectiveHeight: number;
  status: string;
  failure: string;
  current_tally: TallyAnswer;
}

function parseProposalStatus(value: string): string {
  if (!(PROPOSAL_STATUSES as readonly string[]).includes(value)) throw new CommandError(`--status must be one of ${PROPOSAL_STATUSES.join(', ')}, got "${value}"`, 'INVALID_ARGUMENT');
  return value;
}

function changeText(change: ProposalAnswer['change']): string {
  return change.type === 'params'
    ? change.changes.map((c) => `${c.name}=${c.value}`).join(', ')
    : `community spend of ${formatCmt(BigInt(change.amount))} to ${change.recipient}`;
}

function tallyText(t: TallyAnswer): string {
  const cmt = (v: string): string => formatCmt(BigInt(v));
  return `yes ${cmt(t.yes)}, no ${cmt(t.no)}, abstain ${cmt(t.abstain)} of ${cmt(t.bonded)} bonded`;
}

/** Columns padded to their widest cell, the first row a header. */
function columns(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

interface TxAnswer {
  hash: string;
  height: string;
  index: number;
  tx_result: { code: number; log: string; gas_wanted: string; gas_used: string; events: { type: string; attributes: { key: string; value: string }[] }[] };
  tx: string;
}

function checkTxHash(hash: string): void {
  let bytes: Uint8Array;
  try {
    bytes = fromHex(hash);
  } catch {
    bytes = new Uint8Array(0);
  }
  if (bytes.length !== 32) throw new CommandError(`a transaction hash is 32 bytes of hex, got "${hash}"`, 'INVALID_ARGUMENT');
}

const NEXT_BLOCK_TIMEOUT_MS = 15_000;
const NEXT_BLOCK_POLL_MS = 200;

/** The latest committed height, once the block after it exists (so a header carries its state root). */
async function latestProvableHeight(client: RpcClient): Promise<number> {
  const heightNow = async () => Number((await client.call<{ sync_info: { latest_block_height: string } }>('status')).sync_info.latest_block_height);
  const latest = await heightNow();
  const deadline = Date.now() + NEXT_BLOCK_TIMEOUT_MS;
  while ((await heightNow()) <= latest) {
    if (Date.now() > deadline) throw new CommandError(`no block after height ${latest} within ${NEXT_BLOCK_TIMEOUT_MS / 1000} s; is the chain running?`, 'NO_NEW_BLOCK');
    await new Promise((resolve) => setTimeout(resolve, NEXT_BLOCK_POLL_MS));
  }
  return latest;
}

export function registerQueryCommands(program: Command): void {
  common(program.command('status').description(describeCommand('status'))).action(async (options: QueryOptions) => {
    const client = await rpcClient(options);
    const s = await client.call<{ node_info: { id: string; network: string; moniker: string; version: string }; sync_info: Record<string, string | boolean>; validator_info: { address: string; voting_power: string } }>('status');
    // A full node shows its node key as validator_info (power 0): its address is its node id.
    const fullNode = s.validator_info.address.toLowerCase() === s.node_info.id.toLowerCase();
    printResult(options.output, s, () =>
      table([
        ['node', `${s.node_info.moniker} (cmt ${s.node_info.version}) at ${client.url}`],
        ['chain id', s.node_info.network],
        ['height', String(s.sync_info.latest_block_height)],
        ['block time', String(s.sync_info.latest_block_time)],
        ['block hash', String(s.sync_info.latest_block_hash)],
        ['app hash', String(s.sync_info.latest_app_hash)],
        ['validator', fullNode ? 'no (full node)' : `${accountForm(s.validator_info.address)} (power ${s.validator_info.voting_power})`],
      ]),
    );
  });

  const query = program.command('query').alias('q').description(describeCommand('query'));

  common(query.command('account <address>').description("an account's balance and nonce"))
    .option('--prove', 'fetch a Merkle proof and verify it against a signed block header')
    .option('--height <h>', 'state at this block height (default: latest)', optionParser(parseNonNegativeInt))
    .action(async (address: string, options: QueryOptions & { prove?: boolean; height?: number }) => {
      const client = await rpcClient(options);
      // A proof of the latest state needs the next header, which carries its root: wait for it.
      const height = options.height ?? (options.prove ? await latestProvableHeight(client) : undefined);
      const answer = await client.call<AccountAnswer>('account', { address: formatAddress(parseAddress(address)), prove: options.prove === true, ...(height !== undefined ? { height } : {}) });
      const check = options.prove ? await verifyAccountProof(client, answer) : undefined;
      printResult(options.output, check ? { ...answer, verified: check } : answer, () => {
        const rows: [string, string][] = [
          ['address', answer.address],
          ['balance', `${formatCmt(BigInt(answer.balance))} (${answer.balance} base units)`],
          ['nonce', answer.nonce],
          ['pending nonce', answer.pending_nonce],
          ['height', answer.height],
        ];
        if (check) rows.push(['proof', `verified against the app hash of block ${check.headerHeight}, signed by ${check.signedPower}/${check.totalPower} of the voting power`]);
        return table(rows);
      });
    });

  common(query.command('candidates').description('staking candidates, by total stake')).action(async (options: QueryOptions) => {
    const client = await rpcClient(options);
    const answer = await client.call<{ candidates: CandidateAnswer[] }>('candidates');
    const sorted = [...answer.candidates].sort((a, b) => (BigInt(b.total_stake) > BigInt(a.total_stake) ? 1 : BigInt(b.total_stake) < BigInt(a.total_stake) ? -1 : 0));
    printResult(options.output, sorted, () =>
      sorted.length === 0
        ? 'no candidates'
        : sorted
            .map((c) => `${c.owner}  ${formatCmt(BigInt(c.total_stake))} staked (self ${formatCmt(BigInt(c.self_stake))}), commission ${percent(c.commission_bps)}, ${statusText(c)}, ${roleText(c)}${c.name ? `  ${c.name}` : ''}`)
            .join('\n'),
    );
  });

  common(query.command('candidate <address>').description('one staking candidate')).action(async (address: string, options: QueryOptions) => {
    const client = await rpcClient(options);
    const c = await client.call<CandidateAnswer>('candidate', { address: formatAddress(parseAddress(address)) });
    printResult(options.output, c, () =>
      table([
        ['owner', c.owner],
        ['consensus address', c.consensus_address],
        ['name', c.name],
        ['website', c.website],
        ['description', c.description],
        ['status', statusText(c)],
        ['in the set', roleText(c)],
        ['total stake', formatCmt(BigInt(c.total_stake))],
        ['self stake', formatCmt(BigInt(c.self_stake))],
        ['max stake', formatCmt(BigInt(c.max_stake))],
        ['shares', `${c.total_shares} (self ${c.self_shares})`],
        ['commission', percent(c.commission_bps)],
        ['unpaid commission', formatCmt(BigInt(c.unpaid_commission))],
      ]),
    );
  });

  common(query.command('delegations <address>').description("a delegator's stakes, unpaid rewards and unbonding entries")).action(async (address: string, options: QueryOptions) => {
    const client = await rpcClient(options);
    const answer = await client.call<{ delegations: { candidate: string; stake: string; shares: string; rewards: string; unbonding: UnbondingEntryAnswer[] }[] }>('delegations', {
      address: formatAddress(parseAddress(address)),
    });
    printResult(options.output, answer, () =>
      answer.delegations.length === 0
        ? 'no delegations'
        : answer.delegations
            .map(
              (d) =>
                `${d.candidate}  ${formatCmt(BigInt(d.stake))} staked (${d.shares} shares), ${formatCmt(BigInt(d.rewards))} rewards` +
                d.unbonding.map((u) => `, ${formatCmt(BigInt(u.amount))} unbonding until height ${u.completes_at}`).join(''),
            )
            .join('\n'),
    );
  });

  common(query.command('validators').description('the validator set with owners, stake and missed blocks, and the backups')).action(async (options: QueryOptions) => {
    const client = await rpcClient(options);
    const answer = await client.call<{ height: string; validators: StakingValidatorAnswer[]; backups: CandidateAnswer[] }>('staking_validators');
    printResult(options.output, answer, () => {
      const lines = [`height ${answer.height}: ${answer.validators.length} validator(s), ${answer.backups.length} backup(s)`];
      for (const v of answer.validators) {
        const stake = v.total_stake === null ? 'no candidacy (genesis validator)' : `owner ${v.owner}, ${formatCmt(BigInt(v.total_stake))} staked`;
        const s = v.signing_info;
        const missed = s ? `, missed ${s.missed_blocks} of the last ${Math.min(Number(s.index_offset), Number(s.window))} blocks` : '';
        lines.push(`${v.address}  power ${v.voting_power}, ${stake}${v.status && v.status !== 'active' ? ` (${v.status})` : ''}${missed}${v.name ? `  ${v.name}` : ''}`);
      }
      if (answer.backups.length > 0) lines.push('backups:');
      for (const b of answer.backups) lines.push(`${b.owner}  ${formatCmt(BigInt(b.total_stake))} staked${b.name ? `  ${b.name}` : ''}`);
      return lines.join('\n');
    });
  });

  common(query.command('rewards <address>').description('unpaid rewards (and, for a candidate owner, commission) per candidate')).action(async (address: string, options: QueryOptions) => {
    const client = await rpcClient(options);
    const answer = await client.call<{ address: string; rewards: { candidate: string; rewards: string; commission: string }[]; total: string }>('rewards', { address: formatAddress(parseAddress(address)) });
    printResult(options.output, answer, () =>
      answer.rewards.length === 0
        ? 'no rewards: no delegations'
        : [
            ...answer.rewards.map((r) => `${r.candidate}  ${formatCmt(BigInt(r.rewards))} rewards${BigInt(r.commission) > 0n ? `, ${formatCmt(BigInt(r.commission))} commission` : ''}`),
            `total: ${formatCmt(BigInt(answer.total))}`,
          ].join('\n'),
    );
  });

  common(query.command('unbonding <address>').description("a delegator's unbonding entries and pending redelegations")).action(async (address: string, options: QueryOptions) => {
    const client = await rpcClient(options);
    const answer = await client.call<{
      delegator: string;
      unbonding: (UnbondingEntryAnswer & { candidate: string })[];
      redelegations: (UnbondingEntryAnswer & { from: string; to: string })[];
      total_unbonding: string;
    }>('unbonding', { address: formatAddress(parseAddress(address)) });
    printResult(options.output, answer, () =>
      answer.unbonding.length === 0 && answer.redelegations.length === 0
        ? 'nothing unbonding or redelegated'
        : [
            ...answer.unbonding.map((u) => `${u.candidate}  ${formatCmt(BigInt(u.amount))} unbonding, returns at height ${u.completes_at}`),
            ...answer.redelegations.map((r) => `redelegated ${formatCmt(BigInt(r.amount))} from ${r.from} to ${r.to} at height ${r.created_at}, slashable at the source until height ${r.completes_at}`),
            `total unbonding: ${formatCmt(BigInt(answer.total_unbonding))}`,
          ].join('\n'),
    );
  });

  common(query.command('params').description('staking and consensus parameters')).action(async (options: QueryOptions) => {
    const client = await rpcClient(options);
    const [staking, chain] = await Promise.all([
      client.call<Record<string, number | string>>('staking_params'),
      client.call<{ app: Record<string, unknown>; consensus: Record<string, unknown> }>('params'),
    ]);
    const answer = { staking, consensus: chain.consensus, app: chain.app };
    printResult(options.output, answer, () => {
      const value = (name: string, v: number | string): string =>
        typeof v === 'string' ? `${formatCmt(BigInt(v))}` : name.endsWith('Bps') ? `${v} bps (${percent(v)})` : String(v);
      const flat = (prefix: string, o: Record<string, unknown>): [string, string][] =>
        Object.entries(o).flatMap(([k, v]): [string, string][] => (v !== null && typeof v === 'object' ? flat(`${prefix}${k}.`, v as Record<string, unknown>) : [[`${prefix}${k}`, String(v)]]));
      return table([...Object.entries(staking).map(([k, v]): [string, string] => [`staking.${k}`, value(k, v)]), ...flat('consensus.', chain.consensus), ...flat('app.', chain.app)]);
    });
  });

  common(query.command('proposals').description('governance proposals, newest first, with their tallies'))
    .option('--status <status>', `only proposals with this status (${PROPOSAL_STATUSES.join(', ')})`, optionParser(parseProposalStatus))
    .action(async (options: QueryOptions & { status?: string }) => {
      const client = await rpcClient(options);
      const answer = await client.call<{ total: string; proposals: ProposalAnswer[] }>('proposals', options.status ? { status: options.status } : {});
      printResult(options.output, answer.proposals, () =>
        answer.proposals.length === 0
          ? 'no proposals'
          : columns([
              ['id', 'status', 'title', 'voting end', 'effective', 'yes / no / abstain'],
              ...answer.proposals.map((p) => [
                String(p.id),
                p.status,
                p.title.length > 40 ? `${p.title.slice(0, 39)}…` : p.title,
                String(p.votingEndHeight),
                String(p.effectiveHeight),
                [p.current_tally.yes, p.current_tally.no, p.current_tally.abstain].map((v) => formatCmt(BigInt(v))).join(' / '),
              ]),
            ]),
      );
    });

  common(query.command('proposal <id>').description('one governance proposal: its change, tally and votes')).action(async (id: string, options: QueryOptions) => {
    const proposalId = parsePositiveInt(id);
    const client = await rpcClient(options);
    const p = await client.call<ProposalAnswer & { votes: { voter: string; option: string }[] }>('proposal', { id: proposalId });
    printResult(options.output, p, () =>
      [
        table([
          ['id', String(p.id)],
          ['title', p.title],
          ['description', p.description],
          ['proposer', p.proposer],
          ['status', p.status === 'failed' ? `failed: ${p.failure}` : p.status],
          ['change', changeText(p.change)],
          ['deposit', formatCmt(BigInt(p.deposit))],
          ['submitted at', `height ${p.submitHeight}`],
          ['voting ends', `height ${p.votingEndHeight} (votes in that block count)`],
          ['effective at', `height ${p.effectiveHeight}`],
          [p.status === 'voting' ? 'tally (live)' : 'tally (final)', tallyText(p.current_tally)],
          ['votes', String(p.votes.length)],
        ]),
        ...p.votes.map((v) => `  ${v.voter}  ${v.option}`),
      ].join('\n'),
    );
  });

  common(query.command('block [height]').description('a block (default: the latest)')).action(async (height: string | undefined, options: QueryOptions) => {
    const client = await rpcClient(options);
    const h = height === undefined ? undefined : parseNonNegativeInt(height);
    const b = await client.call<{ block_id: { hash: string }; block: { header: Record<string, string>; data: { txs: string[] }; last_commit: { signatures: unknown[] } } }>('block', h === undefined ? {} : { height: h });
    printResult(options.output, b, () =>
      table([
        ['height', b.block.header.height as string],
        ['hash', b.block_id.hash],
        ['time', b.block.header.time as string],
        ['proposer', accountForm(b.block.header.proposer_address as string)],
        ['txs', String(b.block.data.txs.length)],
        ['app hash', b.block.header.app_hash as string],
        ['last commit', `${b.block.last_commit.signatures.length} signatures`],
      ]),
    );
  });

  common(query.command('tx <hash>').description('a committed transaction and its result')).action(async (hash: string, options: QueryOptions) => {
    checkTxHash(hash);
    const client = await rpcClient(options);
    const t = await client.call<TxAnswer>('tx', { hash });
    printResult(options.output, t, () =>
      table([
        ['hash', t.hash],
        ['height', t.height],
        ['index', String(t.index)],
        ['status', t.tx_result.code === 0 ? 'success' : `failed: ${txCodeName(t.tx_result.code)} (${t.tx_result.code}) ${t.tx_result.log}`],
        ['gas', `${t.tx_result.gas_used} used of ${t.tx_result.gas_wanted}`],
        ...t.tx_result.events.map((e): [string, string] => [`event ${e.type}`, e.attributes.map((a) => `${a.key}=${a.value}`).join(' ')]),
      ]),
    );
  });

  common(query.command('receipt <hash>').description("a committed transaction's receipt: status, error, gas, fee, and its events with contract results decoded"))
    .action(async (hash: string, options: QueryOptions) => {
      checkTxHash(hash);
      const client = await rpcClient(options);
      const t = await client.call<TxAnswer>('tx', { hash });
      const decoded = txBodyOf(t.tx);
      const receipt = receiptOf({ hash: t.hash, height: t.height, index: t.index, result: t.tx_result, ...(decoded ?? {}) });
      printResult(options.output, receipt, () => table(receiptRows(receipt)));
    });
}
