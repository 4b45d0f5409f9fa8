/**
 * The fault-run viewer: a `cmt sim` trace opened from a file or from the node's traces
 * directory (#/trace?file=NAME), checked in the browser (trace/validate.ts), drawn as heights
 * over virtual time with faults shaded and violations marked, and stepped through message by
 * message around a violation.
 */
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ECharts } from 'echarts/core';
import { Chart, type ChartOption } from '../components/chart';
import { ErrorNote, KeyValues, Loading, Section, Badge } from '../components/ui';
import { dashboardSettings, CALL_TIMEOUT_MS } from '../rpc/cmt';
import { href } from '../router';
import { ago } from '../format';
import { checkTraceSize, parseTrace, type TraceResult } from '../trace/validate';
import { allMessages, focusOf, step, violationsOf, windowAround, type StepWindow } from '../trace/steps';
import { bandColour, spanEnd, traceChartOption, VIOLATION_COLOUR } from '../trace/chart-option';
import type { Trace } from '../trace/types';

interface Loaded {
  /** Where it came from: a file name or the node's trace name. */
  from: string;
  result: TraceResult;
  /** Each load starts the view afresh, even of a file of the same name. */
  id: number;
  origin: 'node' | 'file';
}

let loads = 0;

const pageBase = (): string => location.href.split('#')[0] as string;

async function fetchTrace(name: string): Promise<TraceResult> {
  const res = await fetch(new URL(`traces/${encodeURIComponent(name)}`, pageBase()).toString(), { signal: AbortSignal.timeout(60_000) });
  if (!res.ok) return { ok: false, error: `The node would not give trace "${name}": ${res.status} ${(await res.text()).slice(0, 300)}` };
  const tooBig = checkTraceSize(Number(res.headers.get('content-length') ?? 0));
  if (tooBig) return { ok: false, error: tooBig };
  return parseTrace(await res.text());
}

interface ListedTrace {
  name: string;
  bytes: number;
  modified: string;
}

/** The node's traces, when it has a traces directory; null when it has none. */
async function listTraces(): Promise<ListedTrace[] | null> {
  const settings = await dashboardSettings();
  if (!settings.traces) return null;
  const res = await fetch(new URL('traces/', pageBase()).toString(), { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`the node's trace list: ${res.status}`);
  const body = (await res.json()) as { traces?: unknown };
  return Array.isArray(body.traces) ? (body.traces as ListedTrace[]).filter((t) => typeof t?.name === 'string').slice(0, 1000) : [];
}

export function TracePage({ query }: { arg: string; query: URLSearchParams }): JSX.Element {
  const name = query.get('file');
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [busy, setBusy] = useState(false);
  const [listed, setListed] = useState<ListedTrace[] | null | undefined>(undefined);
  const [listError, setListError] = useState<unknown>(null);

  useEffect(() => {
    listTraces().then(setListed, setListError);
  }, []);

  useEffect(() => {
    if (!name) return;
    setBusy(true);
    fetchTrace(name)
      .catch((err: unknown): TraceResult => ({ ok: false, error: `Could not fetch trace "${name}": ${err instanceof Error ? err.message : String(err)}` }))
      .then((result) => {
        setLoaded({ from: name, result, id: ++loads, origin: 'node' });
        setBusy(false);
      });
  }, [name]);

  const onFile = async (e: Event): Promise<void> => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    const tooBig = checkTraceSize(file.size);
    setBusy(true);
    const result: TraceResult = tooBig ? { ok: false, error: tooBig } : parseTrace(await file.text().catch(() => ''));
    setLoaded({ from: file.name, result, id: ++loads, origin: 'file' });
    setBusy(false);
  };

  return (
    <>
      <Section title="Fault runs" testid="trace-page">
        <p>
          Open a trace written by <code>cmt sim run</code>, <code>explore</code> or <code>replay</code>: its run drawn as heights over virtual time, the faults and violations, and the messages around a violation step by step.
        </p>
        <label>
          Trace file
          <input type="file" accept=".json,application/json" data-testid="trace-file" onChange={(e) => void onFile(e)} />
        </label>
        {listError ? <ErrorNote error={listError} /> : null}
        {listed && listed.length > 0 ? (
          <details open={!name && !loaded}>
            <summary>This node's traces ({listed.length})</summary>
            <table class="striped" data-testid="trace-list">
              <tbody>
                {listed.map((t) => (
                  <tr data-testid="trace-list-row" data-name={t.name}>
                    <td>
                      <a href={href('trace', '', { file: t.name })}>{t.name}</a>
                    </td>
                    <td>{(t.bytes / 1024).toFixed(1)} KiB</td>
                    <td>{ago(Date.now() - Date.parse(t.modified))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        ) : listed === null ? (
          <p>
            <small>This node serves no traces (set <code>dashboard.traces_dir</code> in its config.json to list a directory here).</small>
          </p>
        ) : null}
      </Section>
      {busy ? <Loading what="the trace" /> : null}
      {!busy && loaded ? (
        loaded.result.ok ? (
          <div data-testid="trace-view" data-origin={loaded.origin} data-load={loaded.id}>
            <TraceView key={loaded.id} from={loaded.from} trace={loaded.result.trace} />
          </div>
        ) : (
          <ErrorNote testid="trace-error" error={`${loaded.from}: ${loaded.result.error}`} />
        )
      ) : null}
    </>
  );
}

function TraceView({ from, trace }: { from: string; trace: Trace }): JSX.Element {
  const violations = violationsOf(trace);
  const endMs = trace.timeline?.endMs ?? trace.endMs;
  return (
    <>
      <Section title={`${trace.scenarioName}, seed ${trace.seed}`} testid="trace-summary">
        <KeyValues
          rows={[
            ['file', from],
            ['scenario', `${trace.scenarioName} (${trace.scenarioSource})`],
            ['seed', String(trace.seed)],
            ['mutation', trace.mutation ? <Badge tone="bad">UNSAFE MUTATION {trace.mutation}</Badge> : 'none'],
            ['trace hash', <code class="hash">{trace.traceHash}</code>],
            ['heights', String(trace.heights)],
            ['virtual time', `${endMs} ms`],
            ...(trace.livenessReason ? [['liveness', trace.livenessReason] as [string, string]] : []),
            ['replay', <code>cmt sim replay {from}</code>],
          ]}
        />
        <h3 style={{ fontSize: '1.05rem' }}>Violations ({violations.length})</h3>
        {violations.length === 0 ? <p>None recorded.</p> : null}
        <ul data-testid="violations">
          {violations.map((v) => (
            <li data-testid="violation" data-property={v.property} data-at={v.at ?? ''} style={{ color: VIOLATION_COLOUR }}>
              <strong>{v.property}</strong>
              {v.at !== null ? ` at ${v.at} ms` : ''}
              {v.height !== null ? `, height ${v.height}` : ''}: <span style={{ color: 'var(--pico-color)' }}>{v.message}</span>
            </li>
          ))}
        </ul>
      </Section>
      {trace.timeline ? (
        <RunView trace={trace} />
      ) : (
        <p data-testid="no-timeline" class="error-note">
          This trace holds no timeline: replay it with <code>cmt sim replay {from}</code> to add one.
        </p>
      )}
    </>
  );
}

function RunView({ trace }: { trace: Trace }): JSX.Element {
  const t = trace.timeline;
  const messages = useMemo(() => allMessages(trace), [trace]);
  const [moment, setMoment] = useState(() => focusOf(trace));
  const win: StepWindow = useMemo(() => windowAround(messages, moment), [messages, moment]);
  const [index, setIndex] = useState(win.index);
  useEffect(() => setIndex(win.index), [win]);
  const current = win.messages[index];
  const option = useMemo(() => traceChartOption(trace, current?.at ?? null) as ChartOption, [trace, current?.at]);
  const move = (delta: number): void => setIndex((i) => step({ ...win, index: i }, delta));
  const moveRef = useRef(move);
  moveRef.current = move;

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable)) return;
      if (e.key === 'ArrowRight' || e.key === 'ArrowDown') moveRef.current(1);
      else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') moveRef.current(-1);
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const row = list.current?.querySelector<HTMLElement>('[data-testid=step-current]');
    if (row && list.current) list.current.scrollTop = row.offsetTop - list.current.offsetTop - list.current.clientHeight / 2;
  }, [index, win]);

  // A click on the chart centres the step-through on that moment (read from the DOM event: the chart's own
  // click event fires only on its marks).
  const chartRef = useRef<ECharts | null>(null);
  const onReady = (chart: ECharts): void => {
    chartRef.current = chart;
  };
  const onChartClick = (e: MouseEvent): void => {
    const chart = chartRef.current;
    const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const point = [e.clientX - box.left, e.clientY - box.top];
    if (!chart || !chart.containPixel({ gridIndex: 0 }, point)) return;
    const at = chart.convertFromPixel({ gridIndex: 0 }, point) as number[] | undefined;
    if (at && Number.isFinite(at[0])) setMoment(Math.round(at[0] as number));
  };

  if (!t) return <></>;
  const violations = violationsOf(trace).filter((v) => v.at !== null);
  return (
    <>
      <Section title="Heights over virtual time">
        <div onClick={onChartClick} data-testid="trace-chart-box">
        <Chart
          option={option}
          height={380}
          testid="trace-chart"
          onReady={onReady}
          attrs={{ 'data-validators': t.validators.length, 'data-bands': t.faultSpans.length, 'data-violations': violations.length, 'data-cursor': current?.at ?? '' }}
        />
        </div>
        <p>
          <small>
            Solid: correct validators; dashed: Byzantine. Shaded: faults where the run applied them; red: violations; blue: the current message. Click the chart to step through the messages around that moment; drag or scroll to zoom.
            {t.omitted > 0 ? ` The writer left out ${t.omitted} records far from the violation to bound the file.` : ''}
          </small>
        </p>
        <h3 style={{ fontSize: '1.05rem' }}>Faults ({t.faultSpans.length})</h3>
        {t.faultSpans.length === 0 ? <p>None applied.</p> : null}
        <ul data-testid="fault-bands" style={{ listStyle: 'none', paddingLeft: 0 }}>
          {t.faultSpans.map((s, i) => (
            <li data-testid="fault-band" data-start={s.start} data-end={spanEnd(s, t.endMs)} style={{ listStyle: 'none' }}>
              <span style={{ display: 'inline-block', width: '1.2em', height: '0.9em', marginRight: '0.5em', verticalAlign: 'middle', background: bandColour(i), border: '1px solid #b9a36a' }} />
              <a href="#" onClick={(e) => (e.preventDefault(), setMoment(s.start))}>
                {s.start}–{s.end === null ? `${t.endMs} (never ended)` : s.end} ms
              </a>{' '}
              {s.description}
            </li>
          ))}
        </ul>
      </Section>
      <Section
        title="Messages step by step"
        testid="step-through"
        actions={
          <div role="group" style={{ width: 'auto', margin: 0 }}>
            <button class="secondary" data-testid="step-prev" disabled={index <= 0} onClick={() => move(-1)} title="previous message (←)">
              ← prev
            </button>
            <button class="secondary" data-testid="step-next" disabled={index >= win.messages.length - 1} onClick={() => move(1)} title="next message (→)">
              next →
            </button>
          </div>
        }
      >
        <p>
          {current ? (
            <>
              Message {index + 1} of {win.messages.length} around {moment} ms{violations.length > 0 ? '' : ' (no violation has a time: centred on the end of the run)'}:{' '}
              <strong data-testid="step-now" data-kind={current.kind}>
                {current.at} ms — {current.text}
              </strong>
            </>
          ) : (
            'The timeline holds no messages.'
          )}
        </p>
        <ol ref={list} data-testid="step-list" style={{ maxHeight: '22rem', overflowY: 'auto', fontFamily: 'var(--pico-font-family-monospace)', fontSize: '0.85em', paddingLeft: '3.5em', border: '1px solid var(--pico-muted-border-color)', borderRadius: '0.3rem' }}>
          {win.messages.map((m, i) => (
            <li
              data-testid={i === index ? 'step-current' : 'step-row'}
              data-index={i}
              data-kind={m.kind}
              data-at={m.at}
              aria-current={i === index ? 'step' : undefined}
              onClick={() => setIndex(i)}
              style={{
                cursor: 'pointer',
                background: i === index ? 'rgba(21, 101, 192, 0.14)' : m.kind === 'violation' ? 'rgba(211, 47, 47, 0.08)' : m.kind.startsWith('fault') ? 'rgba(230, 161, 0, 0.12)' : undefined,
                color: m.kind === 'violation' ? VIOLATION_COLOUR : undefined,
                fontWeight: i === index ? 600 : undefined,
                listStyle: 'decimal',
              }}
            >
              <span style={{ display: 'inline-block', minWidth: '5.5em', color: 'var(--pico-muted-color)' }}>{m.at} ms</span>
              {m.text}
            </li>
          ))}
        </ol>
      </Section>
    </>
  );
}
