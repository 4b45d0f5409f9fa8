/**
 * The search box in the header: a height opens its block, a 64-hex hash the block that has it
 * or else the transaction, an address its account. What finds nothing is said under the box.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { fromHex } from '@cosmjs/encoding';
import { navigate } from '../router';
import { rpcCall, selfBase } from '../rpc/cmt';
import { comet } from '../rpc/comet';
import { errorText, isNotFound } from '../chain/rpc-errors';
import { classifySearch } from '../chain/search';
import '../chain/chain.css';

interface HeaderAnswer {
  header: { height: string } | null;
}

/** Where a search leads: a page to open, or why there is none. */
async function resolve(text: string): Promise<{ page: string; arg: string | number } | { error: string }> {
  const target = classifySearch(text);
  switch (target.kind) {
    case 'refused':
      return { error: target.reason };
    case 'address':
      return { page: 'account', arg: target.address };
    case 'height': {
      const latest = await comet(selfBase())
        .status()
        .then((s) => s.syncInfo.latestBlockHeight)
        .catch(() => undefined);
      if (latest !== undefined && target.height > latest) return { error: `No block at height ${target.height} yet: the latest is ${latest}.` };
      return { page: 'block', arg: target.height };
    }
    case 'hash': {
      try {
        // CosmJS has no header_by_hash: cmt's JSON-RPC answers it in CometBFT's shape.
        const found = await rpcCall<HeaderAnswer>(selfBase(), 'header_by_hash', { hash: target.hash });
        if (found.header && /^[0-9]+$/.test(found.header.height)) return { page: 'block', arg: found.header.height };
      } catch (err) {
        if (!isNotFound(err)) return { error: `Could not look the hash up: ${errorText(err)}` };
      }
      try {
        await comet(selfBase()).tx({ hash: fromHex(target.hash) });
        return { page: 'tx', arg: target.hash };
      } catch (err) {
        if (!isNotFound(err)) return { error: `Could not look the hash up: ${errorText(err)}` };
      }
      return { error: `No block or transaction has hash ${target.hash.slice(0, 12)}… on this node.` };
    }
  }
}

export function SearchBox(): JSX.Element {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const where = await resolve(text);
      if ('error' in where) setError(where.error);
      else {
        setText('');
        navigate(where.page, where.arg);
      }
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form role="search" class="search-box" onSubmit={(e) => void submit(e)}>
      <input
        type="search"
        name="q"
        placeholder="height, block or tx hash, address"
        aria-label="Search by height, hash or address"
        aria-busy={busy ? 'true' : undefined}
        aria-invalid={error ? 'true' : undefined}
        data-testid="search-input"
        value={text}
        maxLength={200}
        onInput={(e) => {
          setText(e.currentTarget.value);
          setError(undefined);
        }}
      />
      {error && (
        <p class="search-error" role="alert" data-testid="search-error">
          {error}
        </p>
      )}
    </form>
  );
}
