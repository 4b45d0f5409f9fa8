/** Who holds the stake: the elected validators (power, share, missed blocks, jailed) and every candidate, live. */
import type { JSX } from 'preact';
import { Badge, ErrorNote, Hash, Loading, Section } from '../components/ui';
import { cmtAmount } from '../format';
import { href } from '../router';
import { rpcCall, selfBase } from '../rpc/cmt';
import { usePoll } from '../rpc/poll';
import { bpsText, candidateRows, isJailed, stakeTotals, validatorRows, type Candidate, type CandidatesAnswer, type StakingValidatorsAnswer, type ValidatorRow } from '../stake/stake-rows';

/** The staking parameters the view explains itself with (staking_params). */
interface StakingParams {
  maxValidators: number;
  backupValidators: number;
  signedBlocksWindow: number;
  minSignedPerWindowBps: number;
}

interface StakeData {
  validators: StakingValidatorsAnswer;
  candidates: CandidatesAnswer;
  params: StakingParams;
}

const POLL_MS = 3000;

const scroll = { overflowX: 'auto' } as const;
/** A jailed row in red: Pico colours cells through this variable, so setting it on the row reaches them. */
const jailedRow = { '--pico-color': 'var(--cmt-bad)' } as const;
const right = { textAlign: 'right' } as const;

function statusBadge(status: string, tombstoned = false): JSX.Element {
  if (tombstoned || status === 'tombstoned') return <Badge tone="bad">tombstoned</Badge>;
  if (status === 'jailed') return <Badge tone="bad">jailed</Badge>;
  if (status === 'withdrawn') return <Badge tone="muted">withdrawn</Badge>;
  if (status === 'active') return <Badge tone="ok">active</Badge>;
  return <Badge tone="muted">{status}</Badge>;
}

function Totals({ data, rows }: { data: StakeData; rows: ValidatorRow[] }): JSX.Element {
  const t = stakeTotals(rows, data.candidates.candidates);
  const items: [string, string, string][] = [
    ['Validators', `${t.validators} / ${data.params.maxValidators}`, 'total-validators'],
    ['Candidates', String(t.candidates), 'total-candidates'],
    ['Backups', `${data.validators.backups.length} / ${data.params.backupValidators}`, 'total-backups'],
    ['Voting power', t.power.toLocaleString('en-US'), 'total-power'],
    ['Bonded (validators)', cmtAmount(t.bondedStake), 'total-bonded'],
    ['All candidates', cmtAmount(t.candidateStake), 'total-stake'],
    ['Jailed', String(t.jailed), 'total-jailed'],
  ];
  return (
    <div data-testid="stake-totals" style={{ display: 'flex', flexWrap: 'wrap', gap: '0.5rem 2rem', margin: '0 0 1rem' }}>
      {items.map(([label, value, testid]) => (
        <div key={testid} data-testid={testid} style={{ display: 'flex', flexDirection: 'column' }}>
          <small style={{ color: 'var(--pico-muted-color)' }}>{label}</small>
          <b style={label === 'Jailed' && t.jailed > 0 ? { color: 'var(--cmt-bad)' } : undefined}>{value}</b>
        </div>
      ))}
    </div>
  );
}

function ValidatorTable({ rows, minSignedBps }: { rows: ValidatorRow[]; minSignedBps: number }): JSX.Element {
  return (
    <div style={scroll}>
      <table class="striped">
        <thead>
          <tr>
            <th>#</th>
            <th>Name</th>
            <th>Consensus address</th>
            <th>Owner</th>
            <th style={right}>Stake (self + delegated)</th>
            <th style={right}>Power</th>
            <th style={right}>Share</th>
            <th style={right}>Commission</th>
            <th style={right}>Missed</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((v, i) => {
            // Jailed once it misses more than the window allows: warn from half of that.
            const allowed = v.window === null ? null : Math.floor((v.window * (10_000 - minSignedBps)) / 10_000);
            const tone = v.missed === null || allowed === null || v.missed === 0 ? undefined : v.missed * 2 > allowed ? 'var(--cmt-bad)' : 'var(--cmt-warn)';
            return (
              <tr key={v.address} data-testid="validator-row" data-address={v.address} data-jailed={String(v.jailed)} style={v.jailed ? jailedRow : undefined}>
                <td>{i + 1}</td>
                <td>{v.name || <small style={{ color: 'var(--pico-muted-color)' }}>(no name)</small>}</td>
                <td>
                  <Hash value={v.address} keep={8} />
                </td>
                <td>{v.owner ? <Hash value={v.owner} href={href('account', v.owner)} keep={8} /> : <small>genesis</small>}</td>
                <td style={right} title={v.selfStake !== null && v.delegated !== null ? `self ${cmtAmount(v.selfStake)} + delegated ${cmtAmount(v.delegated)}` : undefined}>
                  {v.totalStake === null ? '—' : cmtAmount(v.totalStake)}
                  {v.selfStake !== null && v.delegated !== null ? (
                    <div>
                      <small style={{ color: 'var(--pico-muted-color)' }}>
                        {cmtAmount(v.selfStake)} + {cmtAmount(v.delegated)}
                      </small>
                    </div>
                  ) : null}
                </td>
                <td style={right}>{v.power.toLocaleString('en-US')}</td>
                <td style={right}>{v.share}%</td>
                <td style={right}>{bpsText(v.commissionBps)}</td>
                <td style={{ ...right, color: tone }} data-testid="missed" title={allowed === null ? undefined : `jailed past ${allowed} missed in ${v.window} blocks`}>
                  {v.missed === null ? '—' : `${v.missed} / ${v.window}`}
                </td>
                <td>
                  {statusBadge(v.status)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function roleBadge(role: string): JSX.Element {
  return role === 'validator' ? <Badge tone="ok">validator</Badge> : role === 'backup' ? <Badge tone="warn">backup</Badge> : <Badge tone="muted">candidate</Badge>;
}

function CandidateTable({ candidates }: { candidates: Candidate[] }): JSX.Element {
  if (candidates.length === 0) return <p>No candidates have declared.</p>;
  return (
    <div style={scroll}>
      <table class="striped">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>Owner</th>
            <th>Consensus address</th>
            <th style={right}>Stake (self)</th>
            <th style={right}>Delegators</th>
            <th style={right}>Power</th>
            <th style={right}>Commission</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {candidates.map((c) => {
            const jailed = isJailed(c.status, c.tombstoned);
            return (
              <tr key={c.owner} data-testid="candidate-row" data-address={c.owner} data-role={c.role} data-jailed={String(jailed)} style={jailed ? jailedRow : undefined}>
                <td>{c.name || <small style={{ color: 'var(--pico-muted-color)' }}>(no name)</small>}</td>
                <td>{roleBadge(c.role)}</td>
                <td>
                  <Hash value={c.owner} href={href('account', c.owner)} keep={8} />
                </td>
                <td>
                  <Hash value={c.consensus_address} keep={8} />
                </td>
                <td style={right}>
                  {cmtAmount(c.total_stake)}
                  <div>
                    <small style={{ color: 'var(--pico-muted-color)' }}>self {cmtAmount(c.self_stake)}</small>
                  </div>
                </td>
                <td style={right}>{c.delegators}</td>
                <td style={right}>{Number(c.voting_power).toLocaleString('en-US')}</td>
                <td style={right}>{bpsText(c.commission_bps)}</td>
                <td title={c.status === 'jailed' ? `jailed until height ${c.jailed_until}` : undefined}>
                  {statusBadge(c.status, c.tombstoned)}
                  {c.status === 'jailed' ? (
                    <>
                      <br />
                      <small>until height {c.jailed_until}</small>
                    </>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function StakePage(_props: { arg: string; query: URLSearchParams }): JSX.Element {
  const base = selfBase();
  const polled = usePoll<StakeData>(
    async () => {
      const [validators, candidates, params] = await Promise.all([
        rpcCall<StakingValidatorsAnswer>(base, 'staking_validators'),
        rpcCall<CandidatesAnswer>(base, 'candidates'),
        rpcCall<StakingParams>(base, 'staking_params'),
      ]);
      return { validators, candidates, params };
    },
    POLL_MS,
    [base],
  );
  const { data, error } = polled;
  if (!data) return error ? <ErrorNote error={error} /> : <Loading what="the stake" />;
  const rows = validatorRows(data.validators.validators, data.candidates.candidates);
  const candidates = candidateRows(data.candidates.candidates);
  return (
    <>
      {error ? <ErrorNote error={new Error(`the node stopped answering (${error.message}); showing its last answer`)} /> : null}
      <Section title={`Validators at height ${data.validators.height}`} testid="stake" actions={<small style={{ color: 'var(--pico-muted-color)' }}>live, every {POLL_MS / 1000} s</small>}>
        <Totals data={data} rows={rows} />
        <ValidatorTable rows={rows} minSignedBps={data.params.minSignedPerWindowBps} />
        <small style={{ color: 'var(--pico-muted-color)' }}>
          Stake is the candidacy's total (its owner's self-stake + delegations); power is what consensus counts. Missed: blocks not signed in the last {data.params.signedBlocksWindow}; past{' '}
          {Math.floor((data.params.signedBlocksWindow * (10_000 - data.params.minSignedPerWindowBps)) / 10_000)} the validator is jailed.
        </small>
      </Section>
      <Section title="Backups and candidates" testid="candidates">
        <CandidateTable candidates={candidates} />
      </Section>
    </>
  );
}
