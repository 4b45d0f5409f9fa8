import type { JSX } from 'preact';
import { Section } from '../components/ui';

export function PlotsPage({ arg }: { arg: string; query: URLSearchParams }): JSX.Element {
  return (
    <Section title="Plots">
      <p>{arg}</p>
    </Section>
  );
}
