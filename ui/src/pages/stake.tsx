import type { JSX } from 'preact';
import { Section } from '../components/ui';

export function StakePage({ arg }: { arg: string; query: URLSearchParams }): JSX.Element {
  return (
    <Section title="Stake">
      <p>{arg}</p>
    </Section>
  );
}
