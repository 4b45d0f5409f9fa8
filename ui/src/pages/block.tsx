/** One block: its header, its transactions with their results, and who signed its commit. */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { comet38 } from '@cosmjs/tendermint-rpc';
import { toHex } from '@cosmjs/encoding';
import { Badge, ErrorNote, Hash, KeyValues, Loading, Section } from '../components/ui';
import { isoTime } from '../format';
import { href } from '../router';
import { selfBase } from '../rpc/cmt';
import { comet } from '../rpc/comet';
import { commitRows, type CommitFlag, type CommitTally } from '../chain/commit-sigs';
import { errorText, isNotFound } from '../chain/rpc-errors';
import { classifySearch } from '../chain/search';
import { txHash } from '../chain/tx-hash';
import { CodeBadge, TxSummaryCells, txSummary, useCandidateNames, ValidatorName, type Named } from './chain';
import { EventsTable } from './tx';

/** A block not made yet is waited for at this pace (a "next" link followed at the tip). */
const WAIT_MS = 2000;

interface BlockView {
  block: comet38.BlockResponse;
  /** Undefined when the node no longer has the results (pruned) or they failed to load. */
  results?: comet38.BlockResultsResponse;
  commit?: { canonical: boolean; round: number; tally: CommitTally };
  commitError?: string;
  latest: number;
}

async function readBlock(height: number): Promise<BlockView> {
  const client = comet(selfBase());
  const [block, status] = await Promise.all([client.block(height), client.status()]);
  const [results, commit] = await Promise.all([
    client.blockResults(height).catch(() => undefined),
    Promise.all([client.commit(height), client.validatorsAll(height)])
      .then(([c, set]) => ({
        canonical: c.canonical,
        round: c.commit.round,
        tally: commitRows(
          c.commit.signatures.map((s) => ({ blockIdFlag: s.blockIdFlag, validator: s.validatorAddress ? toHex(s.validatorAddress).toUpperCase() : '', ...(s.timestamp ? { timestamp: new Date(s.timestamp.getTime()) } : {}) })),
          set.validators.map((v) => ({ address: toHex(v.address).toUpperCase(), power: v.votingPower.toString() })),
        ),
      }))
      .catch((err: unknown) => errorText(err)),
  ]);
  const view: BlockView = { block, latest: status.syncInfo.latestBlockHeight };
  if (results) view.results = results;
  if (typeof commit === 'string') view.commitError = commit;
  else view.commit = commit;
  return view;
}

export function BlockPage({ arg }: { arg: string; query: URLSearchParams }): JSX.Element {
  const target = classifySearch(arg);
  const height = target.kind === 'height' ? target.height : undefined;
  const [view, setView] = useState<BlockView | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const names = useCandidateNames();

  useEffect(() => {
    if (height === undefined) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async (): Promise<void> => {
      try {
        const v = await readBlock(height);
        if (!stopped) setView(v);
      } catch (err) {
        if (stopped) return;
        if (!isNotFound(err)) return setError(errorText(err));
        // Not found: a block still to come is waited for; one the node has pruned is not.
        const latest = await comet(selfBase())
          .status()
          .then((s) => s.syncInfo.latestBlockHeight)
          .catch(() => undefined);
        if (stopped) return;
        if (latest !== undefined && height > latest) {
          setError(`Block ${height} is not made yet (the latest is ${latest}): waiting for it.`);
          timer = setTimeout(() => void load(), WAIT_MS);
        } else setError(errorText(err));
      }
    };
    void load();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [height]);

  if (height === undefined) return <ErrorNote error={`"${arg}" is not a block height.`} />;
  return (
    <div data-testid="block-page" data-height={height}>
      <nav class="pager">
        {height > 1 ? <a href={href('block', height - 1)} data-testid="prev-block">← {height - 1}</a> : <span />}
        <h1>Block {height}</h1>
        <a href={href('block', height + 1)} data-testid="next-block">
          {height + 1} →
        </a>
      </nav>
      {!view ? error ? <ErrorNote error={error} /> : <Loading what={`block ${height}`} /> : <BlockBody view={view} names={names} />}
    </div>
  );
}

function BlockBody({ view, names }: { view: BlockView; names: Map<string, Named> }): JSX.Element {
  const { header, txs, lastCommit, evidence } = view.block.block;
  const hash = toHex(view.block.blockId.hash).toUpperCase();
  const hex = (b: Uint8Array): JSX.Element => <Hash value={toHex(b).toUpperCase()} keep={32} />;
  const prev = header.lastBlockId ? toHex(header.lastBlockId.hash).toUpperCase() : '';
  return (
    <>
      <Section title="Header" testid="block-header">
        <KeyValues
          rows={[
            ['Hash', <Hash value={hash} keep={32} />],
            ['Time', isoTime(header.time.getTime())],
            ['Chain', header.chainId],
            ['Proposer', <ValidatorName address={toHex(header.proposerAddress).toUpperCase()} names={names} />],
            ['Transactions', String(txs.length)],
            ['Previous block', prev && header.height > 1 ? <Hash value={prev} href={href('block', header.height - 1)} keep={32} /> : 'none'],
            ['Last commit', lastCommit ? `round ${lastCommit.round}, ${lastCommit.signatures.length} signatures` : 'none'],
            ['Evidence', String(evidence.length)],
            ['App hash', hex(header.appHash)],
            ['Data hash', hex(header.dataHash)],
            ['Validators hash', hex(header.validatorsHash)],
            ['Next validators hash', hex(header.nextValidatorsHash)],
            ['Consensus hash', hex(header.consensusHash)],
            ['Last results hash', hex(header.lastResultsHash)],
            ['Latest height', <a href={href('block', view.latest)}>{view.latest}</a>],
          ]}
        />
      </Section>
      <Section title={`Transactions (${txs.length})`} testid="block-txs">
        {txs.length === 0 ? <p>No transactions in this block.</p> : <BlockTxs height={header.height} txs={txs} results={view.results} />}
      </Section>
      <Section title="Commit signatures" testid="commit" actions={view.commit && <CommitSummary commit={view.commit} />}>
        {view.commit ? <CommitTable tally={view.commit.tally} names={names} /> : <ErrorNote error={`No commit for this block: ${view.commitError ?? 'unknown'}`} />}
      </Section>
      {view.results && view.results.finalizeBlockEvents.length > 0 && (
        <Section title="Block events" testid="block-events">
          <EventsTable events={view.results.finalizeBlockEvents} />
        </Section>
      )}
    </>
  );
}

function BlockTxs({ height, txs, results }: { height: number; txs: readonly Uint8Array[]; results: comet38.BlockResultsResponse | undefined }): JSX.Element {
  return (
    <div class="table-scroll">
      <table class="striped">
        <thead>
          <tr>
            <th>#</th>
            <th>Hash</th>
            <th>Kind</th>
            <th>From</th>
            <th>To</th>
            <th class="num">Amount</th>
            <th>Result</th>
            <th class="num">Gas used / wanted</th>
            <th class="num">Bytes</th>
          </tr>
        </thead>
        <tbody>
          {txs.map((tx, index) => {
            const hash = txHash(tx);
            const result = results?.results[index];
            return (
              <tr data-testid="block-tx" data-hash={hash} data-index={index} key={hash + index}>
                <td>{index}</td>
                <td>
                  <Hash value={hash} href={href('tx', hash)} />
                </td>
                <TxSummaryCells summary={txSummary(tx, result?.events ?? [])} />
                <td>{result ? <CodeBadge code={result.code} /> : <span class="muted">no result</span>}</td>
                <td class="num">{result ? `${result.gasUsed} / ${result.gasWanted}` : ''}</td>
                <td class="num">{tx.length}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {!results && <p class="muted">The node has no results for height {height} (pruned or not yet stored).</p>}
    </div>
  );
}

const FLAG_TONE: Record<CommitFlag, 'ok' | 'bad' | 'warn'> = { commit: 'ok', nil: 'warn', absent: 'bad' };

function CommitSummary({ commit }: { commit: NonNullable<BlockView['commit']> }): JSX.Element {
  const signed = commit.tally.rows.filter((r) => r.flag === 'commit').length;
  return (
    <span class="muted" data-testid="commit-summary">
      round {commit.round} · {signed}/{commit.tally.rows.length} signed · power {commit.tally.signedPower}/{commit.tally.totalPower}
      {commit.canonical ? '' : ' · seen commit (not yet in a block)'}
    </span>
  );
}

function CommitTable({ tally, names }: { tally: CommitTally; names: Map<string, Named> }): JSX.Element {
  return (
    <div class="table-scroll">
      <table class="striped">
        <thead>
          <tr>
            <th>Validator</th>
            <th>Address</th>
            <th>Vote</th>
            <th class="num">Power</th>
            <th>Signed at</th>
          </tr>
        </thead>
        <tbody>
          {tally.rows.map((r) => (
            <tr data-testid="commit-sig" data-validator={r.validator} data-flag={r.flag} key={r.validator}>
              <td>
                <ValidatorName address={r.validator} names={names} />
              </td>
              <td>
                <Hash value={r.validator} keep={40} />
              </td>
              <td>
                <Badge tone={FLAG_TONE[r.flag]}>{r.flag}</Badge>
              </td>
              <td class="num">{r.power}</td>
              <td>{r.timestamp ? isoTime(r.timestamp) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
