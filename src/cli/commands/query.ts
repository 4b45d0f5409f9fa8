/** `cmt query ...` and `cmt status`: read the chain through a node's RPC. */
import type { Command } from 'commander';
import { formatCmt } from '../../codec/amount.js';
import { fromHex } from '../../codec/bytes.js';
import { formatAddress, parseAddress } from '../../crypto/address.js';
import { txCodeName } from '../../app/errors.js';
import { rpcClient, type CommonOptions } from '../context.js';
import type { RpcClient } from '../../rpc/client.js';
import { CommandError, parseOutputFormat, printResult, table, type OutputFormat } from '../output.js';
import { parseNonNegativeInt, optionParser } from '../arguments.js';
import { verifyAccountProof } from '../verify-account-proof.js';

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
  name: string;
  status: string;
  total_stake: string;
  self_stake: string;
  max_stake: string;
  commission_bps: number;
  unpaid_commission: string;
}

interface TxAnswer {
  hash: string;
  height: string;
  index: number;
  tx_result: { code: number; log: string; gas_wanted: string; gas_used: string; events: { type: string; attributes: { key: string; value: string }[] }[] };
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
  common(program.command('status').description("the node's chain, height and validator")).action(async (options: QueryOptions) => {
    const client = await rpcClient(options);
    const s = await client.call<{ node_info: { network: string; moniker: string; version: string }; sync_info: Record<string, string | boolean>; validator_info: { address: string; voting_power: string } | null }>('status');
    printResult(options.output, s, () =>
      table([
        ['node', `${s.node_info.moniker} (cmt ${s.node_info.version}) at ${client.url}`],
        ['chain id', s.node_info.network],
        ['height', String(s.sync_info.latest_block_height)],
        ['block time', String(s.sync_info.latest_block_time)],
        ['block hash', String(s.sync_info.latest_block_hash)],
        ['app hash', String(s.sync_info.latest_app_hash)],
        ['validator', s.validator_info ? `${s.validator_info.address} (power ${s.validator_info.voting_power})` : 'no (full node)'],
      ]),
    );
  });

  const query = program.command('query').alias('q').description('read accounts, blocks and transactions');

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
        : sorted.map((c) => `${c.owner}  ${formatCmt(BigInt(c.total_stake))} staked (self ${formatCmt(BigInt(c.self_stake))}), commission ${c.commission_bps / 100}%, ${c.status}${c.name ? `  ${c.name}` : ''}`).join('\n'),
    );
  });

  common(query.command('candidate <address>').description('one staking candidate')).action(async (address: string, options: QueryOptions) => {
    const client = await rpcClient(options);
    const c = await client.call<CandidateAnswer>('candidate', { address: formatAddress(parseAddress(address)) });
    printResult(options.output, c, () =>
      table([
        ['owner', c.owner],
        ['name', c.name],
        ['status', c.status],
        ['total stake', formatCmt(BigInt(c.total_stake))],
        ['self stake', formatCmt(BigInt(c.self_stake))],
        ['max stake', formatCmt(BigInt(c.max_stake))],
        ['commission', `${c.commission_bps / 100}%`],
        ['unpaid commission', formatCmt(BigInt(c.unpaid_commission))],
      ]),
    );
  });

  common(query.command('delegations <address>').description("a delegator's stakes, unpaid rewards and unbonding entries")).action(async (address: string, options: QueryOptions) => {
    const client = await rpcClient(options);
    const answer = await client.call<{ delegations: { candidate: string; stake: string; rewards: string; unbonding: { amount: string; completes_at: string }[] }[] }>('delegations', {
      address: formatAddress(parseAddress(address)),
    });
    printResult(options.output, answer, () =>
      answer.delegations.length === 0
        ? 'no delegations'
        : answer.delegations
            .map(
              (d) =>
                `${d.candidate}  ${formatCmt(BigInt(d.stake))} staked, ${formatCmt(BigInt(d.rewards))} rewards` +
                d.unbonding.map((u) => `, ${formatCmt(BigInt(u.amount))} unbonding until height ${u.completes_at}`).join(''),
            )
            .join('\n'),
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
        ['proposer', b.block.header.proposer_address as string],
        ['txs', String(b.block.data.txs.length)],
        ['app hash', b.block.header.app_hash as string],
        ['last commit', `${b.block.last_commit.signatures.length} signatures`],
      ]),
    );
  });

  common(query.command('tx <hash>').description('a committed transaction and its result')).action(async (hash: string, options: QueryOptions) => {
    let bytes: Uint8Array;
    try {
      bytes = fromHex(hash);
    } catch {
      bytes = new Uint8Array(0);
    }
    if (bytes.length !== 32) throw new CommandError(`a transaction hash is 32 bytes of hex, got "${hash}"`, 'INVALID_ARGUMENT');
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
}
