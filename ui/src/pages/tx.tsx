/** One transaction: where it is, its receipt (code, gas, log) and its events. */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { comet38 } from '@cosmjs/tendermint-rpc';
import { fromHex, toHex } from '@cosmjs/encoding';
import { ErrorNote, KeyValues, Loading, Section } from '../components/ui';
import { cmtAmount, isoTime } from '../format';
import { href } from '../router';
import { selfBase } from '../rpc/cmt';
import { comet } from '../rpc/comet';
import { eventRows, type TxEvent } from '../chain/events';
import { decodeTx, type DecodedTx } from '../chain/tx-decode';
import { errorText, isNotFound } from '../chain/rpc-errors';
import { AccountLink, CodeBadge, txSummary } from './chain';

/** A transaction not yet committed is looked for again at this pace (a hash searched right after sending). */
const WAIT_MS = 2000;

export function EventsTable({ events, testid = 'event-row' }: { events: readonly TxEvent[]; testid?: string }): JSX.Element {
  const rows = eventRows(events);
  return (
    <div class="table-scroll">
      <table class="striped events">
        <thead>
          <tr>
            <th>Event</th>
            <th>Key</th>
            <th>Value</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr data-testid={testid} data-type={r.type} data-key={r.key} key={i} class={i > 0 && rows[i - 1]?.event !== r.event ? 'event-start' : undefined}>
              <td>{i === 0 || rows[i - 1]?.event !== r.event ? <strong>{r.type}</strong> : ''}</td>
              <td>{r.key}</td>
              <td class="wrap">
                {r.address ? (
                  <AccountLink address={r.value} keep={40} />
                ) : r.amount ? (
                  <>
                    {cmtAmount(r.value)} <small class="muted">{r.value}</small>
                  </>
                ) : (
                  r.value
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface TxView {
  tx: comet38.TxResponse;
  time?: Date;
}

async function readTx(hash: string): Promise<TxView> {
  const client = comet(selfBase());
  const tx = await client.tx({ hash: fromHex(hash) });
  const meta = await client.blockchain(tx.height, tx.height).catch(() => undefined);
  const time = meta?.blockMetas[0]?.header.time;
  return time ? { tx, time: new Date(time.getTime()) } : { tx };
}

export function TxPage({ arg }: { arg: string; query: URLSearchParams }): JSX.Element {
  const hash = /^(0x)?[0-9a-fA-F]{64}$/.test(arg) ? arg.replace(/^0x/, '').toUpperCase() : undefined;
  const [view, setView] = useState<TxView | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    if (hash === undefined) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async (): Promise<void> => {
      try {
        const v = await readTx(hash);
        if (!stopped) setView(v);
      } catch (err) {
        if (stopped) return;
        setError(isNotFound(err) ? `No committed transaction with hash ${hash} (yet): looking again every ${WAIT_MS / 1000} s.` : errorText(err));
        if (isNotFound(err)) timer = setTimeout(() => void load(), WAIT_MS);
      }
    };
    void load();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [hash]);

  if (hash === undefined) return <ErrorNote error={`"${arg}" is not a transaction hash (64 hex digits).`} />;
  return (
    <div data-testid="tx-page" data-hash={hash}>
      <h1 class="title-hash">
        Transaction <code>{hash}</code>
      </h1>
      {!view ? error ? <ErrorNote error={error} /> : <Loading what="the transaction" /> : <TxBody view={view} />}
    </div>
  );
}

function TxBody({ view }: { view: TxView }): JSX.Element {
  const { tx } = view;
  const r = tx.result;
  const summary = txSummary(tx.tx, r.events);
  const decoded = decodeTx(tx.tx);
  const fee = r.events.find((e) => e.type === 'tx')?.attributes.find((a) => a.key === 'fee')?.value;
  return (
    <>
      <div class="two-col">
        <Section title="Receipt" testid="tx-result">
          <KeyValues
            rows={[
              ['Result', <span data-testid="tx-code" data-code={r.code}>
                <CodeBadge code={r.code} /> {r.code === 0 ? '' : `code ${r.code}${r.codespace ? ` (${r.codespace})` : ''}`}
              </span>],
              ['Block', <a href={href('block', tx.height)} data-testid="tx-height">{tx.height}</a>],
              ['Index in block', String(tx.index)],
              ['Time', view.time ? isoTime(view.time) : ''],
              ['Kind', summary.kind ? `${summary.kind}${r.code === 0 ? '' : ' (did not run)'}` : 'unknown'],
              // The message section shows the parties when the bytes decode; otherwise the events tell them.
              ...(decoded
                ? []
                : ([
                    ['From', summary.sender ? <AccountLink address={summary.sender} keep={40} /> : ''],
                    ['To', summary.recipient ? <AccountLink address={summary.recipient} keep={40} /> : ''],
                    ['Amount', summary.amount !== undefined ? <span title={summary.amount}>{cmtAmount(summary.amount)}</span> : ''],
                  ] as [string, JSX.Element | string][])),
              ['Fee', fee !== undefined && /^[0-9]+$/.test(fee) ? <span title={fee}>{cmtAmount(fee)}</span> : ''],
              ['Gas used / wanted', <span data-testid="tx-gas">{`${r.gasUsed} / ${r.gasWanted}`}</span>],
              ['Log', <span data-testid="tx-log" class="wrap">{r.log || '—'}</span>],
              ['Size', `${tx.tx.length} bytes`],
            ]}
          />
          <details>
            <summary>Raw transaction (hex)</summary>
            <code class="raw">{toHex(tx.tx)}</code>
          </details>
        </Section>
        <Section title="Message" testid="tx-message">
          {decoded ? <MessageView decoded={decoded} /> : <p class="muted">The page cannot read this transaction's bytes.</p>}
        </Section>
      </div>
      <Section title={`Events (${r.events.length})`} testid="tx-events">
        {r.events.length === 0 ? <p>No events.</p> : <EventsTable events={r.events} testid="tx-event" />}
      </Section>
    </>
  );
}

/** The transaction as signed: its body and its message's fields. */
function MessageView({ decoded }: { decoded: DecodedTx }): JSX.Element {
  const value = (f: DecodedTx['fields'][number]): JSX.Element | string =>
    f.kind === 'address' ? <AccountLink address={f.value} keep={40} /> : f.kind === 'amount' ? <span title={f.value}>{cmtAmount(f.value)}</span> : <span class="wrap">{f.value}</span>;
  return (
    <KeyValues
      testid="tx-decoded"
      rows={[
        ['Message', <strong data-testid="tx-kind">{decoded.kind}</strong>],
        ...decoded.fields.map((f): [string, JSX.Element | string] => [f.name, value(f)]),
        ['Signer', <AccountLink address={decoded.sender} keep={40} />],
        ['Nonce', decoded.nonce],
        ['Gas limit', decoded.gasLimit],
        ['Gas price', `${decoded.gasPrice} base units per gas`],
        ['Memo', decoded.memo || '—'],
        ['Chain', decoded.chainId],
      ]}
    />
  );
}
