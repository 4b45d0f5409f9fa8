import type { JSX } from 'preact';
import { Section } from '../components/ui';

export function TxPage({ arg }: { arg: string; query: URLSearchParams }): JSX.Element {
  return (
    <Section title="Transaction">
      <p>{arg}</p>
    </Section>
  );
}
