import type { JSX } from 'preact';
import { Section } from '../components/ui';

export function ChainPage({ arg }: { arg: string; query: URLSearchParams }): JSX.Element {
  return (
    <Section title="Chain">
      <p>{arg}</p>
    </Section>
  );
}
