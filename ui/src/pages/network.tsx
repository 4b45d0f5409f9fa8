import type { JSX } from 'preact';
import { Section } from '../components/ui';

export function NetworkPage({ arg }: { arg: string; query: URLSearchParams }): JSX.Element {
  return (
    <Section title="Network">
      <p>{arg}</p>
    </Section>
  );
}
