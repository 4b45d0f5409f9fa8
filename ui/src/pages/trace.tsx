import type { JSX } from 'preact';
import { Section } from '../components/ui';

export function TracePage({ arg }: { arg: string; query: URLSearchParams }): JSX.Element {
  return (
    <Section title="Fault run">
      <p>{arg}</p>
    </Section>
  );
}
