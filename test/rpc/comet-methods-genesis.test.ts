/**
 * genesis_chunked: a genesis larger than one answer comes in chunks whose answers each fit in
 * rpc.max_response_bytes, and whose data joins to exactly the JSON of `genesis`'s view.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import type { NodeApi } from '../../src/node/api.js';
import type { GenesisDoc } from '../../src/node/genesis.js';
import { COMET_METHODS, genesisChunkBytes } from '../../src/rpc/comet-methods.js';
import type { MethodContext } from '../../src/rpc/methods.js';
import { testKey } from '../support/nodes.js';

function contextWith(genesis: GenesisDoc, maxResponseBytes: number): MethodContext {
  // genesis_chunked reads only the genesis document of the node.
  return { api: { genesis } as unknown as NodeApi, rpcAddress: '', timeoutBroadcastTxCommitMs: 1000, maxResponseBytes };
}

describe('genesis_chunked', () => {
  it('chunks fit in one answer each and join to the genesis view', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 400_000 }), fc.integer({ min: 64 * 1024, max: 300_000 }), async (fill, maxResponseBytes) => {
        const genesis: GenesisDoc = {
          chainId: 'chunks',
          genesisTime: 0,
          initialHeight: 1,
          consensusParams: DEFAULT_CONSENSUS_PARAMS,
          validators: [{ name: 'v0', publicKey: testKey(0).publicKey, power: 10 }],
          appState: { filler: 'é'.repeat(fill) },
        };
        const ctx = contextWith(genesis, maxResponseBytes);
        const whole = JSON.stringify(((await COMET_METHODS.genesis!({}, ctx)) as { genesis: unknown }).genesis);
        const first = (await COMET_METHODS.genesis_chunked!({}, ctx)) as { total: string };
        const total = Number(first.total);
        expect(total).toBe(Math.max(1, Math.ceil(Buffer.byteLength(whole) / genesisChunkBytes(maxResponseBytes))));
        const parts: Buffer[] = [];
        for (let chunk = 0; chunk < total; chunk++) {
          const answer = await COMET_METHODS.genesis_chunked!({ chunk: String(chunk) }, ctx);
          expect(Buffer.byteLength(JSON.stringify({ jsonrpc: '2.0', id: 1, result: answer }))).toBeLessThanOrEqual(maxResponseBytes);
          parts.push(Buffer.from((answer as { data: string }).data, 'base64'));
        }
        expect(Buffer.concat(parts).toString('utf8')).toBe(whole);
        await expect(COMET_METHODS.genesis_chunked!({ chunk: total }, ctx)).rejects.toMatchObject({ rpcCode: -32602 });
      }),
      { numRuns: 20 },
    );
  });
});
