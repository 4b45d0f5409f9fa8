import type { JSX } from 'preact';
import { Section } from '../components/ui';

export function BlockPage({ arg }: { arg: string; query: URLSearchParams }): JSX.Element {
  return (
    <Section title="Block">
      <p>{arg}</p>
    </Section>
  );
}
