/** Governance proposals with their live tally: how far each is from quorum and from passing. */
import type { JSX } from 'preact';
import { Badge, ErrorNote, Hash, Loading, Section } from '../components/ui';
import { cmtAmount } from '../format';
import { href } from '../router';
import { rpcCall, selfBase } from '../rpc/cmt';
import { usePoll } from '../rpc/poll';
import { proposalKind, tallyView, type Proposal, type ProposalsAnswer, type TallyView } from '../stake/tally';

interface GovParams {
  govQuorumBps: number;
  govPassBps: number;
  govVotingBlocks: number;
}

interface GovData {
  proposals: ProposalsAnswer;
  params: GovParams;
  height: number;
}

const POLL_MS = 3000;
const muted = { color: 'var(--pico-muted-color)' } as const;

const COLORS = { yes: 'var(--cmt-ok)', no: 'var(--cmt-bad)', veto: '#8e24aa', abstain: 'var(--cmt-muted)' };

function statusBadge(status: string): JSX.Element {
  const tone = status === 'voting' ? 'warn' : status === 'passed' || status === 'executed' ? 'ok' : status === 'failed' || status.startsWith('rejected') ? 'bad' : 'muted';
  return <Badge tone={tone}>{status}</Badge>;
}

/** A bar of bonded stake: yes, no, (veto), abstain, the rest not voted; a line at the quorum and one at the pass threshold. */
function TallyBar({ t, live }: { t: TallyView; live: boolean }): JSX.Element {
  const parts: [string, number, string][] = [
    ['yes', t.yesPct, COLORS.yes],
    ['no', t.noPct, COLORS.no],
    ['veto', t.vetoPct, COLORS.veto],
    ['abstain', t.abstainPct, COLORS.abstain],
  ];
  const line = (pct: number, label: string, dashed: boolean): JSX.Element => (
    <div title={label} style={{ position: 'absolute', left: `${Math.min(100, pct)}%`, top: '-4px', bottom: '-4px', borderLeft: `2px ${dashed ? 'dashed' : 'solid'} var(--pico-color)`, opacity: 0.75 }} />
  );
  return (
    <div
      data-testid="tally"
      data-yes={t.yes.toString()}
      data-no={t.no.toString()}
      data-abstain={t.abstain.toString()}
      data-bonded={t.bonded.toString()}
      data-quorum={String(t.quorumMet)}
      data-passing={String(t.passing)}
      data-live={String(live)}
    >
      <div style={{ position: 'relative', height: '18px', margin: '6px 0', background: 'var(--pico-muted-border-color)', borderRadius: '4px' }}>
        <div style={{ display: 'flex', height: '100%', borderRadius: '4px', overflow: 'hidden' }}>
          {parts.map(([name, pct, color]) => (pct > 0 ? <div key={name} title={`${name} ${pct.toFixed(2)}%`} style={{ width: `${pct}%`, background: color }} /> : null))}
        </div>
        {line(t.quorumPct, `quorum: ${t.quorumPct}% of bonded must vote`, true)}
        {t.yes + t.no + t.veto > 0n ? line(t.thresholdPct, 'pass threshold of the yes + no part', false) : null}
      </div>
      <small style={{ display: 'flex', flexWrap: 'wrap', gap: '0.25rem 1.25rem' }}>
        <span>
          <b style={{ color: COLORS.yes }}>■</b> yes {cmtAmount(t.yes)} ({t.yesPct.toFixed(2)}%)
        </span>
        <span>
          <b style={{ color: COLORS.no }}>■</b> no {cmtAmount(t.no)} ({t.noPct.toFixed(2)}%)
        </span>
        {t.veto > 0n ? (
          <span>
            <b style={{ color: COLORS.veto }}>■</b> veto {cmtAmount(t.veto)} ({t.vetoPct.toFixed(2)}%)
          </span>
        ) : null}
        <span>
          <b style={{ color: COLORS.abstain }}>■</b> abstain {cmtAmount(t.abstain)} ({t.abstainPct.toFixed(2)}%)
        </span>
        <span style={muted}>of {cmtAmount(t.bonded)} bonded</span>
        <span>
          ┆ quorum {t.quorumPct}%: {t.quorumMet ? <Badge tone="ok">met</Badge> : <Badge tone="muted">not met</Badge>}
        </span>
        <span>
          │ yes above the pass threshold of yes + no: {t.passing ? <Badge tone="ok">yes</Badge> : <Badge tone="muted">no</Badge>}
        </span>
      </small>
    </div>
  );
}

function ProposalCard({ p, params, height }: { p: Proposal; params: GovParams; height: number }): JSX.Element {
  const voting = p.status === 'voting';
  const t = tallyView(p.current_tally, params.govQuorumBps, params.govPassBps);
  const left = p.votingEndHeight - height;
  const c = p.change;
  return (
    <article data-testid="proposal-row" data-id={String(p.id)} data-status={p.status} style={{ padding: '0.8rem 1rem', margin: '0 0 1rem' }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: '1rem', flexWrap: 'wrap', alignItems: 'baseline' }}>
        <div>
          <b>#{p.id}</b> <b>{p.title}</b> {statusBadge(p.status)}
        </div>
        <small style={muted}>
          {voting ? `voting ends at height ${p.votingEndHeight} (${left > 0 ? `in ${left} blocks` : 'this block'})` : `voting ended at height ${p.votingEndHeight}`}
          {p.effectiveHeight !== p.votingEndHeight ? `, effective at ${p.effectiveHeight}` : ''}
        </small>
      </div>
      <small style={{ display: 'block', wordBreak: 'break-word' }}>
        {c.type === 'communitySpend' && c.amount ? `community spend of ${cmtAmount(c.amount)} to ${c.recipient ?? '?'}` : proposalKind(p)}
        <span style={muted}>
          {' '}
          · proposed by <Hash value={p.proposer} href={href('account', p.proposer)} keep={6} /> at height {p.submitHeight} · deposit {cmtAmount(p.deposit)}
        </span>
      </small>
      {p.description ? <p style={{ margin: '0.3rem 0', fontSize: '0.9em' }}>{p.description}</p> : null}
      <TallyBar t={t} live={voting} />
      {p.failure ? <small style={{ color: 'var(--cmt-bad)' }}>failed: {p.failure}</small> : null}
    </article>
  );
}

export function GovernancePage(_props: { arg: string; query: URLSearchParams }): JSX.Element {
  const base = selfBase();
  const { data, error } = usePoll<GovData>(
    async () => {
      const [proposals, params, status] = await Promise.all([
        rpcCall<ProposalsAnswer>(base, 'proposals'),
        rpcCall<GovParams>(base, 'staking_params'),
        rpcCall<{ sync_info: { latest_block_height: string } }>(base, 'status'),
      ]);
      return { proposals, params, height: Number(status.sync_info.latest_block_height) };
    },
    POLL_MS,
    [base],
  );
  if (!data) return error ? <ErrorNote error={error} /> : <Loading what="the proposals" />;
  const { proposals, params, height } = data;
  const voting = proposals.proposals.filter((p) => p.status === 'voting').length;
  return (
    <Section title="Governance" testid="governance" actions={<small style={muted}>live, every {POLL_MS / 1000} s · height {height}</small>}>
      {error ? <ErrorNote error={new Error(`the node stopped answering (${error.message}); showing its last answer`)} /> : null}
      <p style={muted}>
        {proposals.total} proposal{proposals.total === '1' ? '' : 's'}, {voting} voting. A proposal needs more than {params.govQuorumBps / 100}% of the bonded stake to vote (the dashed line), and yes above{' '}
        {params.govPassBps / 100}% of yes + no (the solid line) to pass; voting lasts {params.govVotingBlocks} blocks. Submit one with <code>cmt tx gov submit-proposal</code>.
      </p>
      {proposals.proposals.length === 0 ? <p data-testid="no-proposals">No proposals yet.</p> : proposals.proposals.map((p) => <ProposalCard key={p.id} p={p} params={params} height={height} />)}
    </Section>
  );
}
