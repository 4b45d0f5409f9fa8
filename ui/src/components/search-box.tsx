/** The search box in the header: a height, a block or transaction hash, or an address. */
import type { JSX } from 'preact';

export function SearchBox(): JSX.Element {
  return (
    <form role="search" onSubmit={(e) => e.preventDefault()}>
      <input type="search" name="q" placeholder="height, block or tx hash, address" data-testid="search-input" />
    </form>
  );
}
