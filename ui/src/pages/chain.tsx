/**
 * The chain view: the newest blocks and transactions, live from the node's new-block
 * subscription (polled while the socket is down). Also the parts the block, transaction and
 * account pages share: names of validators and links to accounts.
 */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { comet38 } from '@cosmjs/tendermint-rpc';
import { toHex } from '@cosmjs/encoding';
import { Badge, ErrorNote, Hash, Loading, Section } from '../components/ui';
import { ago, cmtAmount, isoTime } from '../format';
import { href } from '../router';
import { rpcCall, selfBase } from '../rpc/cmt';
import { comet, watchNewBlocks } from '../rpc/comet';
import { summarizeTx, withDecoded, type TxEvent, type TxSummary } from '../chain/events';
import { decodeTx } from '../chain/tx-decode';
import { mergeNewest, newestRange } from '../chain/recent';
import { errorText } from '../chain/rpc-errors';
import { txHash } from '../chain/tx-hash';
import '../chain/chain.css';

const SHOWN = 20;
const POLL_MS = 2000;

interface BlockItem {
  height: number;
  index: number;
  hash: string;
  time: Date;
  proposer: string;
  txs: number;
}

export interface TxItem {
  height: number;
  index: number;
  hash: string;
  code: number;
  summary: TxSummary;
}

/** What the page knows of a validator or candidate: its name and its account. */
export interface Named {
  name: string;
  owner: string;
}

interface CandidatesAnswer {
  candidates: { owner: string; consensus_address: string; name?: string }[];
}

/** Candidates by consensus address (upper hex, no 0x) and by owner (0x lower): read once per page. */
export function useCandidateNames(): Map<string, Named> {
  const [names, setNames] = useState(new Map<string, Named>());
  useEffect(() => {
    let stopped = false;
    rpcCall<CandidatesAnswer>(selfBase(), 'candidates', {})
      .then((answer) => {
        if (stopped) return;
        const map = new Map<string, Named>();
        for (const c of answer.candidates) {
          const named = { name: c.name || '', owner: c.owner };
          map.set(c.consensus_address.replace(/^0x/, '').toUpperCase(), named);
          map.set(c.owner, named);
        }
        setNames(map);
      })
      // Names are a nicety: without them the page shows addresses.
      .catch(() => {});
    return () => {
      stopped = true;
    };
  }, []);
  return names;
}

/** A validator by name when it has one, linked to its owner's account. */
export function ValidatorName({ address, names }: { address: string; names: Map<string, Named> }): JSX.Element {
  const named = names.get(address.toUpperCase());
  if (!named) return <Hash value={address} keep={6} />;
  return (
    <a href={href('account', named.owner)} title={address}>
      {named.name || named.owner.slice(0, 10)}
    </a>
  );
}

export function AccountLink({ address, keep = 6 }: { address: string; keep?: number }): JSX.Element {
  return <Hash value={address} href={href('account', address)} keep={keep} />;
}

export function CodeBadge({ code }: { code: number }): JSX.Element {
  return code === 0 ? <Badge tone="ok">ok</Badge> : <Badge tone="bad" title={`code ${code}`}>failed {code}</Badge>;
}

/** Kind, from and to of a transaction as its events tell them. */
export function TxSummaryCells({ summary }: { summary: TxSummary }): JSX.Element {
  return (
    <>
      <td>{summary.kind || <span class="muted">none</span>}</td>
      <td>{summary.sender ? <AccountLink address={summary.sender} /> : ''}</td>
      <td>{summary.recipient ? <AccountLink address={summary.recipient} /> : ''}</td>
      <td class="num" title={summary.amount}>
        {summary.amount !== undefined ? cmtAmount(summary.amount) : ''}
      </td>
    </>
  );
}

export function TxTable({ txs, testid = 'tx-row' }: { txs: TxItem[]; testid?: string }): JSX.Element {
  return (
    <div class="table-scroll">
      <table class="striped">
        <thead>
          <tr>
            <th>Hash</th>
            <th>Height</th>
            <th>Kind</th>
            <th>From</th>
            <th>To</th>
            <th class="num">Amount</th>
            <th>Result</th>
          </tr>
        </thead>
        <tbody>
          {txs.map((t) => (
            <tr data-testid={testid} data-hash={t.hash} data-height={t.height} key={t.hash}>
              <td>
                <Hash value={t.hash} href={href('tx', t.hash)} />
              </td>
              <td>
                <a href={href('block', t.height)}>{t.height}</a>
              </td>
              <TxSummaryCells summary={t.summary} />
              <td>
                <CodeBadge code={t.code} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What a transaction did by its events, and what it asked by its bytes when its message failed. */
export function txSummary(tx: Uint8Array, events: readonly TxEvent[]): TxSummary {
  return withDecoded(summarizeTx(events), decodeTx(tx));
}

/** Transactions as tx and tx_search answer them (CosmJS's shape). */
export function txItems(txs: readonly comet38.TxResponse[]): TxItem[] {
  return txs.map((t) => ({ height: t.height, index: t.index, hash: toHex(t.hash).toUpperCase(), code: t.result.code, summary: txSummary(t.tx, t.result.events) }));
}

function blockItems(metas: readonly comet38.BlockMeta[]): BlockItem[] {
  return metas.map((m) => ({
    height: m.header.height,
    index: 0,
    hash: toHex(m.blockId.hash).toUpperCase(),
    time: new Date(m.header.time.getTime()),
    proposer: toHex(m.header.proposerAddress).toUpperCase(),
    txs: m.numTxs,
  }));
}

interface Recent {
  blocks: BlockItem[];
  txs: TxItem[];
}

/** How far back the first read looks for transactions: a quiet chain shows fewer than SHOWN. */
const TX_LOOKBACK_BLOCKS = 200;
/** Past the lookback, how many heights one tx_search may cover. */
const TX_SEARCH_BLOCKS = 10_000;
/** Blocks whose transactions are read at once (each is two calls). */
const READ_BATCH = 4;

/** The transactions of the blocks at `heights` with their results, newest first. */
async function blockTxs(heights: readonly number[]): Promise<TxItem[]> {
  const client = comet(selfBase());
  const out: TxItem[] = [];
  for (let i = 0; i < heights.length; i += READ_BATCH) {
    const batch = await Promise.all(
      heights.slice(i, i + READ_BATCH).map(async (height) => {
        const [block, results] = await Promise.all([client.block(height), client.blockResults(height)]);
        return block.block.txs.map((tx, index): TxItem => {
          const result = results.results[index];
          return { height, index, hash: txHash(tx), code: result?.code ?? 0, summary: txSummary(tx, result?.events ?? []) };
        });
      }),
    );
    for (const txs of batch) out.push(...txs);
  }
  return out;
}

/**
 * The newest blocks, and the transactions of the blocks with any: from block metas, not a
 * tx_search (a search over every height would have the node decode each block's results).
 * From scratch it looks back up to TX_LOOKBACK_BLOCKS for SHOWN transactions; after that only
 * the heights above `known` are read.
 */
async function readRecent(known: number): Promise<Recent> {
  const client = comet(selfBase());
  const status = await client.status();
  const latest = status.syncInfo.latestBlockHeight;
  if (latest < 1 || latest <= known) return { blocks: [], txs: [] };
  const { minHeight, maxHeight } = newestRange(latest, SHOWN);
  const first = await client.blockchain(Math.max(minHeight, known + 1), maxHeight);
  const blocks = blockItems(first.blockMetas);
  const withTxs: number[] = [];
  let txCount = 0;
  const note = (metas: readonly comet38.BlockMeta[]): void => {
    for (const m of metas) {
      if (m.numTxs > 0 && txCount < SHOWN) {
        withTxs.push(m.header.height);
        txCount += m.numTxs;
      }
    }
  };
  note(first.blockMetas);
  const txs: TxItem[] = [];
  if (known === 0) {
    let below = Math.max(minHeight, 1) - 1;
    while (txCount < SHOWN && below >= 1 && below > latest - TX_LOOKBACK_BLOCKS) {
      const page = await client.blockchain(Math.max(1, below - SHOWN + 1), below);
      note(page.blockMetas);
      below -= SHOWN;
    }
    // A quiet chain: one search over a bounded range further back, newest first (the node reads
    // each height's results in the range, so the range stays a small part of its search bounds).
    if (txCount < SHOWN && below >= 1) {
      const from = Math.max(1, below - TX_SEARCH_BLOCKS + 1);
      const found = await client.txSearch({ query: `tx.height>=${from} AND tx.height<=${below}`, order_by: 'desc', per_page: SHOWN - txCount }).catch(() => undefined);
      if (found) txs.push(...txItems(found.txs));
    }
  }
  txs.unshift(...(await blockTxs(withTxs)));
  return { blocks, txs };
}

/** One new block from the feed: its hash from its meta, its transactions' results from block_results. */
async function readNewBlock(event: comet38.NewBlockEvent): Promise<Recent> {
  const client = comet(selfBase());
  const height = event.header.height;
  const [chain, results] = await Promise.all([client.blockchain(height, height), event.txs.length > 0 ? client.blockResults(height) : Promise.resolve(undefined)]);
  const txs = event.txs.map((tx, index): TxItem => {
    const result = results?.results[index];
    return { height, index, hash: txHash(tx), code: result?.code ?? 0, summary: txSummary(tx, result?.events ?? []) };
  });
  return { blocks: blockItems(chain.blockMetas), txs };
}

export function ChainPage(_: { arg: string; query: URLSearchParams }): JSX.Element {
  const [recent, setRecent] = useState<Recent | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [live, setLive] = useState(false);
  const [now, setNow] = useState(Date.now());
  const latest = useRef(0);

  useEffect(() => {
    let stopped = false;
    // Reads run one at a time, in order, so an older answer never replaces a newer one.
    let chain: Promise<void> = Promise.resolve();
    const apply = (next: Recent, replace: boolean): void => {
      if (stopped) return;
      setRecent((cur) => ({
        blocks: mergeNewest(replace || !cur ? [] : cur.blocks, next.blocks, (b) => String(b.height), SHOWN),
        txs: mergeNewest(replace || !cur ? [] : cur.txs, next.txs, (t) => t.hash, SHOWN),
      }));
      for (const b of next.blocks) latest.current = Math.max(latest.current, b.height);
      setError(undefined);
    };
    const run = (read: () => Promise<Recent>, replace: boolean): void => {
      chain = chain.then(async () => {
        if (stopped) return;
        try {
          apply(await read(), replace);
        } catch (err) {
          if (!stopped) setError(errorText(err));
        }
      });
    };
    run(() => readRecent(0), true);
    let socketLive = false;
    const stop = watchNewBlocks(
      selfBase(),
      (event) => {
        // A skipped height (the socket was down, the node was busy, the first read failed) means reading afresh.
        const skipped = latest.current === 0 || event.header.height > latest.current + 1;
        run(skipped ? () => readRecent(latest.current) : () => readNewBlock(event), false);
      },
      (isLive) => {
        socketLive = isLive;
        setLive(isLive);
      },
    );
    const poll = setInterval(() => {
      if (!socketLive) run(() => readRecent(latest.current), false);
    }, POLL_MS);
    const clock = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      stopped = true;
      stop();
      clearInterval(poll);
      clearInterval(clock);
    };
  }, []);

  const names = useCandidateNames();
  const feed = live ? <Badge tone="ok">live</Badge> : <Badge tone="warn" title="the WebSocket is down: polling every 2 s">polling</Badge>;

  return (
    <div data-testid="chain-page">
      {error && <ErrorNote error={error} />}
      <Section title="Latest blocks" actions={feed} testid="blocks">
        {!recent ? (
          <Loading what="blocks" />
        ) : recent.blocks.length === 0 ? (
          <p>No blocks yet.</p>
        ) : (
          <div class="table-scroll">
            <table class="striped">
              <thead>
                <tr>
                  <th>Height</th>
                  <th>Time</th>
                  <th>Hash</th>
                  <th>Proposer</th>
                  <th class="num">Txs</th>
                  <th>Age</th>
                </tr>
              </thead>
              <tbody>
                {recent.blocks.map((b) => (
                  <tr data-testid="block-row" data-height={b.height} key={b.height}>
                    <td>
                      <a href={href('block', b.height)}>{b.height}</a>
                    </td>
                    <td>{isoTime(b.time)}</td>
                    <td>
                      <Hash value={b.hash} href={href('block', b.height)} />
                    </td>
                    <td>
                      <ValidatorName address={b.proposer} names={names} />
                    </td>
                    <td class="num">{b.txs}</td>
                    <td>{ago(now - b.time.getTime())}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <Section title="Latest transactions" testid="txs">
        {!recent ? <Loading what="transactions" /> : recent.txs.length === 0 ? <p>No transactions yet.</p> : <TxTable txs={recent.txs} />}
      </Section>
    </div>
  );
}
