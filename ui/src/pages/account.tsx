/**
 * One account: balance and nonce, its delegations, pending rewards and unbonding, and the
 * transactions it sent or received (found by tx_search on the `tx.sender` and
 * `transfer.recipient` attributes every transaction and transfer carry).
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Badge, ErrorNote, KeyValues, Loading, Section } from '../components/ui';
import { cmtAmount } from '../format';
import { href } from '../router';
import { rpcCall, selfBase } from '../rpc/cmt';
import { comet } from '../rpc/comet';
import { usePoll } from '../rpc/poll';
import { mergeNewest } from '../chain/recent';
import { errorText } from '../chain/rpc-errors';
import { classifySearch } from '../chain/search';
import { AccountLink, TxTable, txItems, useCandidateNames, type Named, type TxItem } from './chain';

const REFRESH_MS = 3000;
const SHOWN_TXS = 20;

interface AccountAnswer {
  address: string;
  balance: string;
  nonce: string;
  pending_nonce?: string;
  height: string;
}

interface DelegationsAnswer {
  delegations: { candidate: string; stake: string; shares: string; rewards: string }[];
}

interface RewardsAnswer {
  rewards: { candidate: string; rewards: string; commission: string }[];
  total: string;
}

interface UnbondingAnswer {
  unbonding: { candidate: string; amount: string; created_at: string; completes_at: string }[];
  redelegations: { from: string; to: string; amount: string; created_at: string; completes_at: string }[];
  total_unbonding: string;
}

interface AccountView {
  account: AccountAnswer;
  delegations: DelegationsAnswer;
  rewards: RewardsAnswer;
  unbonding: UnbondingAnswer;
}

async function readAccount(address: string): Promise<AccountView> {
  const base = selfBase();
  const [account, delegations, rewards, unbonding] = await Promise.all([
    rpcCall<AccountAnswer>(base, 'account', { address }),
    rpcCall<DelegationsAnswer>(base, 'delegations', { address }),
    rpcCall<RewardsAnswer>(base, 'rewards', { address }),
    rpcCall<UnbondingAnswer>(base, 'unbonding', { address }),
  ]);
  return { account, delegations, rewards, unbonding };
}

/** The newest transactions the account sent (every transaction's `tx` event) or was sent (a transfer's recipient). */
async function readAccountTxs(address: string): Promise<TxItem[]> {
  const client = comet(selfBase());
  const search = (query: string): Promise<TxItem[]> => client.txSearch({ query, order_by: 'desc', per_page: SHOWN_TXS }).then((r) => txItems(r.txs));
  const [sent, received] = await Promise.all([search(`tx.sender='${address}'`), search(`transfer.recipient='${address}'`)]);
  return mergeNewest(sent, received, (t) => t.hash, SHOWN_TXS);
}

export function AccountPage({ arg }: { arg: string; query: URLSearchParams }): JSX.Element {
  const target = classifySearch(arg);
  const address = target.kind === 'address' ? target.address : '';
  const state = usePoll(() => (address ? readAccount(address) : Promise.resolve(undefined)), REFRESH_MS, [address]);
  // A search costs the node more than a read: the list is searched again only when the account changed.
  const version = state.data ? `${state.data.account.nonce}/${state.data.account.balance}` : '';
  const txs = useAccountTxs(address, version);
  const names = useCandidateNames();

  if (!address) return <ErrorNote error={`"${arg}" is not an address (0x and 40 hex digits).`} />;
  const candidate = names.get(address);
  return (
    <div data-testid="account-page" data-address={address}>
      <h1 class="title-hash">
        Account <code>{address}</code> {candidate && <Badge tone="muted">{candidate.name ? `candidate ${candidate.name}` : 'candidate'}</Badge>}
      </h1>
      {state.error && <ErrorNote error={errorText(state.error)} />}
      {!state.data ? !state.error && <Loading what="the account" /> : <AccountBody view={state.data} names={names} />}
      <Section title="Recent transactions" testid="account-txs">
        {txs.error !== undefined && <ErrorNote error={`Transactions could not be searched: ${errorText(txs.error)}`} />}
        {!txs.data ? txs.error === undefined && <Loading what="transactions" /> : txs.data.length === 0 ? <p>No transactions sent or received by this account.</p> : <TxTable txs={txs.data} testid="account-tx" />}
      </Section>
    </div>
  );
}

function useAccountTxs(address: string, version: string): { data?: TxItem[]; error?: unknown } {
  const [txs, setTxs] = useState<{ data?: TxItem[]; error?: unknown }>({});
  useEffect(() => {
    if (!address || !version) return;
    let stopped = false;
    readAccountTxs(address).then(
      (data) => !stopped && setTxs({ data }),
      (error: unknown) => !stopped && setTxs((cur) => ({ ...cur, error })),
    );
    return () => {
      stopped = true;
    };
  }, [address, version]);
  return txs;
}

/** A table of amounts per candidate (delegations, rewards): the candidate, then one column per head. */
function CandidateAmounts({ heads, rows, names, testid }: { heads: string[]; rows: { candidate: string; amounts: string[] }[]; names: Map<string, Named>; testid: string }): JSX.Element {
  return (
    <div class="table-scroll">
      <table class="striped">
        <thead>
          <tr>
            <th>Candidate</th>
            {heads.map((h) => (
              <th class="num">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr data-testid={testid} data-candidate={r.candidate} key={r.candidate}>
              <td>
                <CandidateCell address={r.candidate} names={names} />
              </td>
              {r.amounts.map((amount) => (
                <td class="num">
                  <Amount value={amount} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CandidateCell({ address, names }: { address: string; names: Map<string, Named> }): JSX.Element {
  const named = names.get(address);
  return (
    <>
      {named?.name && <strong>{named.name} </strong>}
      <AccountLink address={address} keep={named?.name ? 6 : 40} />
    </>
  );
}

function Amount({ value, testid }: { value: string; testid?: string }): JSX.Element {
  return (
    <span title={`${value} base units`} data-testid={testid} data-value={value}>
      {cmtAmount(value)}
    </span>
  );
}

function AccountBody({ view, names }: { view: AccountView; names: Map<string, Named> }): JSX.Element {
  const { account, delegations, rewards, unbonding } = view;
  const staked = delegations.delegations.reduce((sum, d) => sum + (/^[0-9]+$/.test(d.stake) ? BigInt(d.stake) : 0n), 0n).toString();
  return (
    <>
      <Section title="Balance" testid="account-summary">
        <KeyValues
          rows={[
            ['Balance', <Amount value={account.balance} testid="balance" />],
            ['Nonce', <span data-testid="nonce">{account.nonce}</span>],
            ...(account.pending_nonce !== undefined && account.pending_nonce !== account.nonce ? ([['Pending nonce', account.pending_nonce]] as [string, string][]) : []),
            ['Delegated', <Amount value={staked} />],
            ['Pending rewards', <Amount value={rewards.total} testid="rewards" />],
            ...(rewards.rewards.some((r) => r.commission !== '0') ? ([['', <small class="muted">rewards as a delegator and commission as a validator, withdrawable</small>]] as [string, JSX.Element][]) : []),
            ['Unbonding', <Amount value={unbonding.total_unbonding} />],
            ['At height', <a href={href('block', account.height)}>{account.height}</a>],
          ]}
        />
      </Section>
      <Section title={`Delegations (${delegations.delegations.length})`} testid="delegations">
        {delegations.delegations.length === 0 ? (
          <p>No delegations.</p>
        ) : (
          <CandidateAmounts heads={['Stake', 'Pending rewards']} rows={delegations.delegations.map((d) => ({ candidate: d.candidate, amounts: [d.stake, d.rewards] }))} names={names} testid="delegation-row" />
        )}
      </Section>
      {rewards.rewards.some((r) => r.commission !== '0') && (
        <Section title="Rewards and commission" testid="reward-rows">
          <CandidateAmounts heads={['Rewards', 'Commission']} rows={rewards.rewards.map((r) => ({ candidate: r.candidate, amounts: [r.rewards, r.commission] }))} names={names} testid="reward-row" />
        </Section>
      )}
      {(unbonding.unbonding.length > 0 || unbonding.redelegations.length > 0) && (
        <Section title="Unbonding and redelegations" testid="unbonding">
          <div class="table-scroll">
            <table class="striped">
              <thead>
                <tr>
                  <th>What</th>
                  <th>Candidate</th>
                  <th class="num">Amount</th>
                  <th class="num">Since height</th>
                  <th class="num">Completes at height</th>
                </tr>
              </thead>
              <tbody>
                {unbonding.unbonding.map((u, i) => (
                  <tr data-testid="unbonding-row" key={`u${i}`}>
                    <td>unbonding</td>
                    <td>
                      <CandidateCell address={u.candidate} names={names} />
                    </td>
                    <td class="num">
                      <Amount value={u.amount} />
                    </td>
                    <td class="num">{u.created_at}</td>
                    <td class="num">{u.completes_at}</td>
                  </tr>
                ))}
                {unbonding.redelegations.map((r, i) => (
                  <tr data-testid="redelegation-row" key={`r${i}`}>
                    <td>redelegation</td>
                    <td>
                      <CandidateCell address={r.from} names={names} /> → <CandidateCell address={r.to} names={names} />
                    </td>
                    <td class="num">
                      <Amount value={r.amount} />
                    </td>
                    <td class="num">{r.created_at}</td>
                    <td class="num">{r.completes_at}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Section>
      )}
    </>
  );
}
