import type { JSX } from 'preact';
import { Section } from '../components/ui';

export function GovernancePage({ arg }: { arg: string; query: URLSearchParams }): JSX.Element {
  return (
    <Section title="Governance">
      <p>{arg}</p>
    </Section>
  );
}
