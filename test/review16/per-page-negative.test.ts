/**
 * review16: CometBFT's paging takes a per_page below 1 as the default (rpc/core/env.go,
 * validatePerPage: `if perPage < 1 { return defaultPerPage }`), and spec/rpc.md says the same
 * ("less than 1 as 30"). A negative per_page (-1, as JSON or in a URI) is below 1, yet cmt
 * answers it with invalid params on validators, tx_search, block_search and unconfirmed_txs (limit).
 */
import { describe, expect, it } from 'vitest';
import { suiteNode } from '../support/suite-node.js';

describe('per_page below 1 is the default, negative included', () => {
  const suite = suiteNode(1);

  const post = async (method: string, params: Record<string, unknown>): Promise<{ result?: unknown; error?: { code: number; data?: string } }> => {
    const r = await fetch(suite.running.rpc.url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    return (await r.json()) as { result?: unknown; error?: { code: number; data?: string } };
  };

  for (const [method, name, extra] of [
    ['validators', 'per_page', {}],
    ['tx_search', 'per_page', { query: 'tx.height>=1' }],
    ['block_search', 'per_page', { query: 'block.height>=1' }],
    // unconfirmed_txs' limit is paged the same way (spec/rpc.md: "never an error").
    ['unconfirmed_txs', 'limit', {}],
  ] as const) {
    it(`${method} with ${name} -1 (JSON number and text) answers with the default page size`, async () => {
      for (const perPage of [-1, '-1']) {
        const answer = await post(method, { ...extra, [name]: perPage });
        expect(answer.error, `${method} ${name}=${JSON.stringify(perPage)}`).toBeUndefined();
      }
      const uri = await fetch(`${suite.running.rpc.url}/${method}?${name}=-1${'query' in extra ? `&query=%22${encodeURIComponent(extra.query)}%22` : ''}`);
      expect(uri.status).toBe(200);
    });
  }
});
