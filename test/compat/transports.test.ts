/**
 * What CosmJS does not cover: every method of CometBFT 0.38's list answers over URI GET
 * (`/method?param=…`, strings quoted and bytes `0x`-hex as CometBFT's URI handler takes them),
 * JSON-RPC POST (bytes base64, `HexBytes` hex) and a WebSocket request, with the same result;
 * and subscriptions as CometBFT sends them (event messages carry the subscribe request's id).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import { sha256 } from '../../src/codec/hash.js';
import { addressBytes, cmtJson, COMPAT_CHAIN_ID, lowerHex, postCall, RawSocket, startCompatNode, upperHex, uriCall, type CliSent, type CompatNode, type RpcEnvelope } from '../support/compat.js';
import { addressOf, testKey, transfer } from '../support/nodes.js';

/** One request written three ways, and how to compare the answers. */
interface Case {
  method: string;
  uri: Record<string, string>;
  json: Record<string, unknown>;
  /** `equal`: the same result; `shape`: the same fields (the value moves with the chain). */
  compare: 'equal' | 'shape';
  /** Fields that move with the chain, left out of an `equal` comparison. */
  moving?: string[];
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

function withoutMoving(result: unknown, moving: string[] = []): unknown {
  if (typeof result !== 'object' || result === null) return result;
  return Object.fromEntries(Object.entries(result).filter(([k]) => !moving.includes(k)));
}

function fieldsOf(result: unknown): string[] {
  return typeof result === 'object' && result !== null ? Object.keys(result).sort() : [];
}

describe('every method over URI, JSON-RPC and WebSocket', () => {
  let n: CompatNode;
  let socket: RawSocket;
  let sent: CliSent;
  let h: number;
  let blockHash: Uint8Array;
  const recipient = `0x${lowerHex(addressOf(testKey(12)))}`;

  beforeAll(async () => {
    n = await startCompatNode('compat-transports', 4);
    sent = await cmtJson<CliSent>(['tx', 'send', '--from', 'dev', '--to', recipient, '--amount', '1cmt'], n.env);
    h = Number(sent.height);
    const block = await postCall(n.rpcUrl, 'block', { height: String(h) });
    blockHash = Uint8Array.from(Buffer.from((block.result as { block_id: { hash: string } }).block_id.hash, 'hex'));
    socket = await RawSocket.open(n.wsUrl);
    await blockAbove(h);
  }, 60_000);

  /**
   * Until block h+1 is committed, `commit` at h is the node's seen commit (`canonical: false`)
   * and then the one block h+1 carries, which may hold other signatures: CometBFT answers so too.
   * The three transports are compared once that answer no longer moves.
   */
  async function blockAbove(height: number): Promise<void> {
    const query = "tm.event='NewBlock'";
    expect((await socket.call('subscribe', { query }, 'settle')).error).toBeUndefined();
    const above = (m: RpcEnvelope): boolean => m.id === 'settle' && Number((m.result as { data?: { value: { block: { header: { height: string } } } } } | undefined)?.data?.value.block.header.height ?? 0) > height;
    const event = socket.next(above, 20_000, `a block above ${height}`);
    event.catch(() => undefined); // awaited below unless the chain is already past it
    const status = (await postCall(n.rpcUrl, 'status')).result as { sync_info: { latest_block_height: string } };
    if (Number(status.sync_info.latest_block_height) <= height) await event;
    expect((await socket.call('unsubscribe', { query })).error).toBeUndefined();
  }

  afterAll(async () => {
    socket?.close();
    await n?.stop();
  });

  const txHash = (): Uint8Array => Uint8Array.from(Buffer.from(sent.hash, 'hex'));
  const cases = (): Case[] => [
    { method: 'abci_info', uri: {}, json: {}, compare: 'shape' },
    { method: 'abci_query', uri: { path: '"/account"', data: `0x${lowerHex(addressBytes(recipient))}`, height: String(h) }, json: { path: '/account', data: lowerHex(addressBytes(recipient)), height: String(h) }, compare: 'equal' },
    { method: 'block', uri: { height: String(h) }, json: { height: String(h) }, compare: 'equal' },
    { method: 'block_by_hash', uri: { hash: `0x${lowerHex(blockHash)}` }, json: { hash: b64(blockHash) }, compare: 'equal' },
    { method: 'block_results', uri: { height: String(h) }, json: { height: String(h) }, compare: 'equal' },
    { method: 'block_search', uri: { query: `"block.height = ${h}"` }, json: { query: `block.height = ${h}` }, compare: 'equal' },
    { method: 'blockchain', uri: { minHeight: '1', maxHeight: String(h) }, json: { minHeight: '1', maxHeight: String(h) }, compare: 'equal', moving: ['last_height'] },
    { method: 'commit', uri: { height: String(h) }, json: { height: String(h) }, compare: 'equal' },
    { method: 'consensus_params', uri: { height: String(h) }, json: { height: String(h) }, compare: 'equal' },
    { method: 'consensus_state', uri: {}, json: {}, compare: 'shape' },
    { method: 'dump_consensus_state', uri: {}, json: {}, compare: 'shape' },
    { method: 'genesis', uri: {}, json: {}, compare: 'equal' },
    { method: 'genesis_chunked', uri: { chunk: '0' }, json: { chunk: '0' }, compare: 'equal' },
    { method: 'header', uri: { height: String(h) }, json: { height: String(h) }, compare: 'equal' },
    { method: 'header_by_hash', uri: { hash: `0x${lowerHex(blockHash)}` }, json: { hash: b64(blockHash) }, compare: 'equal' },
    { method: 'health', uri: {}, json: {}, compare: 'equal' },
    { method: 'net_info', uri: {}, json: {}, compare: 'shape' },
    { method: 'num_unconfirmed_txs', uri: {}, json: {}, compare: 'shape' },
    { method: 'status', uri: {}, json: {}, compare: 'shape' },
    { method: 'tx', uri: { hash: `0x${sent.hash}` }, json: { hash: b64(txHash()) }, compare: 'equal' },
    { method: 'tx_search', uri: { query: `"tx.hash='${sent.hash}'"` }, json: { query: `tx.hash='${sent.hash}'` }, compare: 'equal' },
    { method: 'unconfirmed_txs', uri: { limit: '5' }, json: { limit: '5' }, compare: 'shape' },
    { method: 'validators', uri: { height: String(h), page: '1', per_page: '1' }, json: { height: String(h), page: '1', per_page: '1' }, compare: 'equal' },
  ];

  it('each read method: the same answer three ways', async () => {
    const failures: string[] = [];
    for (const c of cases()) {
      const viaUri = await uriCall(n.rpcUrl, c.method, c.uri);
      const viaPost = await postCall(n.rpcUrl, c.method, c.json);
      const viaWs = await socket.call(c.method, c.json);
      const answers: [string, RpcEnvelope][] = [['URI', viaUri.body], ['JSON-RPC', viaPost], ['WebSocket', viaWs]];
      const errors = answers.filter(([, a]) => a.error !== undefined || a.result === undefined);
      if (errors.length > 0) {
        failures.push(`${c.method}: ${errors.map(([t, a]) => `${t} ${JSON.stringify(a.error)}`).join('; ')}`);
        continue;
      }
      if (viaUri.status !== 200) failures.push(`${c.method}: URI HTTP ${viaUri.status}`);
      const [first, ...rest] = answers.map(([, a]) => (c.compare === 'equal' ? withoutMoving(a.result, c.moving) : fieldsOf(a.result)));
      for (const [i, other] of rest.entries()) if (JSON.stringify(other) !== JSON.stringify(first)) failures.push(`${c.method}: ${answers[i + 1]![0]} differs from URI`);
    }
    expect(failures).toEqual([]);
  });

  it('the methods CosmJS does not call agree with those it does: by-hash lookups, header, genesis_chunked, consensus_params', async () => {
    const get = async (method: string, params: Record<string, unknown>): Promise<unknown> => {
      const answer = await postCall(n.rpcUrl, method, params);
      expect(answer.error, method).toBeUndefined();
      return answer.result;
    };
    const block = (await get('block', { height: String(h) })) as { block: { header: unknown } };
    expect(await get('block_by_hash', { hash: b64(blockHash) })).toEqual(block);
    expect(await get('block_by_hash', { hash: upperHex(blockHash) })).toEqual(block);
    expect(await get('header', { height: String(h) })).toEqual({ header: block.block.header });
    expect(await get('header_by_hash', { hash: b64(blockHash) })).toEqual({ header: block.block.header });
    const genesis = (await get('genesis', {})) as { genesis: { consensus_params: unknown } };
    const chunk = (await get('genesis_chunked', { chunk: '0' })) as { chunk: string; total: string; data: string };
    expect([chunk.chunk, chunk.total]).toEqual(['0', '1']);
    expect(JSON.parse(Buffer.from(chunk.data, 'base64').toString('utf8'))).toEqual(genesis.genesis);
    // No governance change on this chain: the parameters at h are the genesis ones.
    expect(await get('consensus_params', { height: String(h) })).toEqual({ block_height: String(h), consensus_params: genesis.genesis.consensus_params });
    const tx = (await get('tx', { hash: b64(txHash()) })) as { hash: string; height: string };
    expect(await get('tx', { hash: sent.hash })).toEqual(tx);
    expect([tx.hash, tx.height]).toEqual([sent.hash, sent.height]);
  });

  it('broadcast_tx_sync, _async, _commit and check_tx: the same shape three ways, each tx accepted', async () => {
    const to = addressOf(testKey(13));
    const ways: [string, (method: string, tx: Uint8Array) => Promise<RpcEnvelope>][] = [
      ['URI', async (method, tx) => (await uriCall(n.rpcUrl, method, { tx: `0x${lowerHex(tx)}` })).body],
      ['JSON-RPC', (method, tx) => postCall(n.rpcUrl, method, { tx: b64(tx) })],
      ['WebSocket', (method, tx) => socket.call(method, { tx: b64(tx) })],
    ];
    const methods = ['broadcast_tx_sync', 'broadcast_tx_async', 'broadcast_tx_commit'];
    for (const [k, method] of methods.entries()) {
      // One sender per method, so no transaction waits on another's nonce.
      const key = testKey(k);
      const shapes: string[][] = [];
      for (const [nonce, [way, call]] of ways.entries()) {
        const tx = transfer(key, { nonce, to, amount: ONE_CMT, chainId: COMPAT_CHAIN_ID });
        const answer = await call(method, tx);
        expect(answer.error, `${method} over ${way}`).toBeUndefined();
        const result = answer.result as { hash: string; code?: number; check_tx?: { code: number }; tx_result?: { code: number } };
        expect(result.hash, `${method} over ${way}`).toBe(upperHex(sha256(tx)));
        if (method === 'broadcast_tx_sync') expect(result.code).toBe(0);
        if (method === 'broadcast_tx_commit') expect([result.check_tx?.code, result.tx_result?.code]).toEqual([0, 0]);
        shapes.push(fieldsOf(result));
      }
      expect(shapes[1], method).toEqual(shapes[0]);
      expect(shapes[2], method).toEqual(shapes[0]);
    }
    const unsent = transfer(testKey(3), { nonce: 0, to, amount: ONE_CMT, chainId: COMPAT_CHAIN_ID });
    const checks = await Promise.all(ways.map(([, call]) => call('check_tx', unsent)));
    for (const c of checks) expect(c.error).toBeUndefined();
    expect((checks[0]!.result as { code: number }).code).toBe(0);
    expect(checks[1]!.result).toEqual(checks[0]!.result);
    expect(checks[2]!.result).toEqual(checks[0]!.result);
  });

  it('broadcast_evidence: malformed evidence is refused the same way three ways, with invalid params', async () => {
    const bogus = { type: 'tendermint/DuplicateVoteEvidence', value: {} };
    const viaUri = await uriCall(n.rpcUrl, 'broadcast_evidence', { evidence: JSON.stringify(bogus) });
    const viaPost = await postCall(n.rpcUrl, 'broadcast_evidence', { evidence: bogus });
    const viaWs = await socket.call('broadcast_evidence', { evidence: bogus });
    expect(viaUri.status).toBeGreaterThanOrEqual(400);
    expect(viaUri.status).toBeLessThan(500);
    for (const a of [viaUri.body, viaPost, viaWs]) expect(a.error?.code).toBe(-32602);
  });

  it('subscribe: answers {} with the request id, and every event carries that same id (CometBFT 0.38)', async () => {
    for (const id of ['sub-a', 42]) {
      const query = "tm.event='NewBlock'";
      const answer = await socket.call('subscribe', { query }, id);
      expect(answer).toMatchObject({ jsonrpc: '2.0', id, result: {} });
      const event = await socket.next((m) => m.id === id && (m.result as { data?: unknown } | undefined)?.data !== undefined, 20_000, `NewBlock event for id ${String(id)}`);
      const result = event.result as { query: string; data: { type: string; value: { block: { header: { height: string } } } }; events: Record<string, string[]> };
      expect(result.query).toBe(query);
      expect(result.data.type).toBe('tendermint/event/NewBlock');
      expect(result.events['tm.event']).toEqual(['NewBlock']);
      expect(Number(result.data.value.block.header.height)).toBeGreaterThan(0);
      expect(await socket.call('unsubscribe', { query })).toMatchObject({ result: {} });
    }
  });

  it("subscribe NewBlockHeader and Tx with transfer.recipient: events of CometBFT's types, with tx.hash and tx.height", async () => {
    const header = await socket.call('subscribe', { query: "tm.event='NewBlockHeader'" }, 'hdr');
    expect(header.error).toBeUndefined();
    const headerEvent = await socket.next((m) => m.id === 'hdr' && (m.result as { data?: unknown }).data !== undefined, 20_000, 'NewBlockHeader event');
    expect((headerEvent.result as { data: { type: string } }).data.type).toBe('tendermint/event/NewBlockHeader');

    const to = `0x${lowerHex(addressOf(testKey(14)))}`;
    const query = `tm.event='Tx' AND transfer.recipient='${to}'`;
    expect((await socket.call('subscribe', { query }, 'tx')).error).toBeUndefined();
    const txEvent = socket.next((m) => m.id === 'tx' && (m.result as { data?: unknown }).data !== undefined, 20_000, 'Tx event');
    txEvent.catch(() => undefined); // awaited below, after the CLI has sent the transfer
    const cli = await cmtJson<CliSent>(['tx', 'send', '--from', 'dev', '--to', to, '--amount', '1cmt'], n.env);
    const result = (await txEvent).result as { data: { type: string; value: { TxResult: { height: string; tx: string } } }; events: Record<string, string[]> };
    expect(result.data.type).toBe('tendermint/event/Tx');
    expect(result.data.value.TxResult.height).toBe(cli.height);
    expect(upperHex(sha256(Buffer.from(result.data.value.TxResult.tx, 'base64')))).toBe(cli.hash);
    expect(result.events['tx.hash']).toEqual([cli.hash]);
    expect(result.events['tx.height']).toEqual([cli.height]);
    expect(result.events['transfer.recipient']).toContain(to);
    expect(await socket.call('unsubscribe_all', {})).toMatchObject({ result: {} });
  });

  it('subscribe over HTTP is refused: subscriptions need the WebSocket', async () => {
    const viaPost = await postCall(n.rpcUrl, 'subscribe', { query: "tm.event='NewBlock'" });
    expect(viaPost.error).toBeDefined();
  });

  it("the README's RPC section lists every method the node serves, each with an example, and no other", async () => {
    const served = ((await uriCall(n.rpcUrl, '')).body.result as { methods: string[] }).methods.map((m) => m.replace(/ \(websocket\)$/, ''));
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('\n## RPC\n'), readme.indexOf('\n## Layout\n'));
    const rows = section.split('\n').filter((line) => /^\| `/.test(line));
    const listed = rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!));
    expect([...listed].sort()).toEqual([...served].sort());
    for (const row of rows) expect(row.split('|')[3], row).toMatch(/curl|see below/);
  });
});
