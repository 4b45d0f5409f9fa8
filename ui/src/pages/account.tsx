import type { JSX } from 'preact';
import { Section } from '../components/ui';

export function AccountPage({ arg }: { arg: string; query: URLSearchParams }): JSX.Element {
  return (
    <Section title="Account">
      <p>{arg}</p>
    </Section>
  );
}
