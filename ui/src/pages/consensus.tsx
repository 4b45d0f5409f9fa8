import type { JSX } from 'preact';
import { Section } from '../components/ui';

export function ConsensusPage({ arg }: { arg: string; query: URLSearchParams }): JSX.Element {
  return (
    <Section title="Consensus">
      <p>{arg}</p>
    </Section>
  );
}
