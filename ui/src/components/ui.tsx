/** The page's small building blocks: sections, key-value lists, tables, hashes, notes. */
import type { ComponentChildren, JSX } from 'preact';
import { shortHash } from '../format';

export function Section({ title, children, testid, actions }: { title: string; children: ComponentChildren; testid?: string; actions?: ComponentChildren }): JSX.Element {
  return (
    <section data-testid={testid}>
      <header class="section-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** Rows of label and value. */
export function KeyValues({ rows, testid }: { rows: [string, ComponentChildren][]; testid?: string }): JSX.Element {
  return (
    <dl class="kv" data-testid={testid}>
      {rows.map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </>
      ))}
    </dl>
  );
}

export function Hash({ value, href, keep }: { value: string; href?: string; keep?: number }): JSX.Element {
  const text = shortHash(value, keep);
  return href ? (
    <a class="hash" href={href} title={value}>
      {text}
    </a>
  ) : (
    <code class="hash" title={value}>
      {text}
    </code>
  );
}

export function ErrorNote({ error, testid }: { error: unknown; testid?: string }): JSX.Element {
  const text = error instanceof Error ? error.message : String(error);
  return (
    <p class="error-note" role="alert" data-testid={testid ?? 'error'}>
      {text}
    </p>
  );
}

export function Loading({ what }: { what: string }): JSX.Element {
  return <p aria-busy="true">Loading {what}…</p>;
}

export function Badge({ tone, children, title }: { tone: 'ok' | 'bad' | 'warn' | 'muted'; children: ComponentChildren; title?: string }): JSX.Element {
  return (
    <span class={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}
