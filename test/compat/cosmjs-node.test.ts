/**
 * CosmJS's Comet38Client (@cosmjs/tendermint-rpc 0.39, the most used CometBFT client) against
 * one real node process, over HTTP and over its WebSocket: every call decodes with the
 * client's own decoders, and the values agree with the node's other answers and with the
 * `cmt` CLI (heights, hashes, balances, validator addresses and powers). The transfer the
 * searches look for is sent by `cmt tx send`, as a user would.
 */
import { Comet38Client, HttpClient } from '@cosmjs/tendermint-rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAccount } from '../../src/app/bank/accounts.js';
import { ONE_CMT } from '../../src/codec/amount.js';
import { sha256 } from '../../src/codec/hash.js';
import { addressBytes, cmtJson, cosmjsOverWebSocket, COMPAT_CHAIN_ID, firstEvent, lowerHex, startCompatNode, upperHex, type CliSent, type CompatNode } from '../support/compat.js';
import { addressOf, testKey, transfer } from '../support/nodes.js';

interface CliValidators {
  validators: { address: string; voting_power: string }[];
}
interface CliAccount {
  balance: string;
  height: string;
}
interface CliBlock {
  block_id: { hash: string };
  block: { header: { height: string; app_hash: string } };
}
interface CliStatus {
  node_info: { network: string };
  sync_info: { latest_block_height: string; latest_block_hash: string };
}

/** Hex in either form (0x lower case, CometBFT's upper case) to CometBFT's form. */
const cometHex = (text: string): string => (text.startsWith('0x') ? text.slice(2) : text).toUpperCase();

describe('CosmJS Comet38Client against a node', () => {
  let n: CompatNode;
  let http: Comet38Client;
  let ws: Comet38Client;
  /** The transfer `cmt tx send` made, and to whom (0x lower case, as cmt's own methods write it). */
  let sent: CliSent;
  let sentHeight: number;
  const recipient = `0x${lowerHex(addressOf(testKey(7)))}`;
  let validator: { address: string; power: bigint };

  beforeAll(async () => {
    n = await startCompatNode('compat-cosmjs');
    sent = await cmtJson<CliSent>(['tx', 'send', '--from', 'dev', '--to', recipient, '--amount', '2cmt'], n.env);
    sentHeight = Number(sent.height);
    const set = await cmtJson<CliValidators>(['query', 'validators'], n.env);
    expect(set.validators).toHaveLength(1);
    validator = { address: set.validators[0]!.address, power: BigInt(set.validators[0]!.voting_power) };
    http = Comet38Client.create(new HttpClient(n.rpcUrl));
    ws = await cosmjsOverWebSocket(n.wsUrl);
  }, 60_000);

  afterAll(async () => {
    ws?.disconnect();
    await n?.stop();
  });

  const transports = [
    ['HTTP', (): Comet38Client => http],
    ['WebSocket', (): Comet38Client => ws],
  ] as const;

  for (const [transport, client] of transports) {
    describe(`over ${transport}`, () => {
      it('status: the chain, a height and hash that block agrees with, and the validator the CLI lists', async () => {
        const cli = await cmtJson<CliStatus>(['status'], n.env);
        const s = await client().status();
        expect(s.nodeInfo.network).toBe(COMPAT_CHAIN_ID);
        expect(cli.node_info.network).toBe(COMPAT_CHAIN_ID);
        expect(s.nodeInfo.moniker).toBe('compat');
        expect(s.nodeInfo.id.length).toBe(20);
        expect(s.syncInfo.catchingUp).toBe(false);
        expect(s.syncInfo.latestBlockHeight).toBeGreaterThanOrEqual(Number(cli.sync_info.latest_block_height));
        const atCli = await client().block(Number(cli.sync_info.latest_block_height));
        expect(upperHex(atCli.blockId.hash)).toBe(cometHex(cli.sync_info.latest_block_hash));
        const atLatest = await client().block(s.syncInfo.latestBlockHeight);
        expect(upperHex(atLatest.blockId.hash)).toBe(upperHex(s.syncInfo.latestBlockHash));
        expect(upperHex(atLatest.block.header.appHash)).toBe(upperHex(s.syncInfo.latestAppHash));
        expect(upperHex(s.validatorInfo.address)).toBe(upperHex(addressBytes(validator.address)));
        expect(s.validatorInfo.votingPower).toBe(validator.power);
        expect(s.validatorInfo.pubkey?.algorithm).toBe('ed25519');
      });

      it('abciInfo: the last height and the app hash the next header carries', async () => {
        const info = await client().abciInfo();
        const h = info.lastBlockHeight ?? 0;
        expect(h).toBeGreaterThanOrEqual(sentHeight);
        // CometBFT: the app hash after block h is the one header h + 1 carries.
        await firstEvent(ws.subscribeNewBlockHeader(), (header) => header.height > h, 20_000, `header above ${h}`);
        const next = await client().block(h + 1);
        expect(upperHex(info.lastBlockAppHash ?? new Uint8Array())).toBe(upperHex(next.block.header.appHash));
      });

      it("abciQuery /account: the recipient's balance the CLI shows, at the CLI's height", async () => {
        const cli = await cmtJson<CliAccount>(['query', 'account', recipient], n.env);
        expect(BigInt(cli.balance)).toBe(2n * ONE_CMT);
        const q = await client().abciQuery({ path: '/account', data: addressBytes(recipient), height: Number(cli.height) });
        expect(q.code).toBe(0);
        expect(q.height).toBe(Number(cli.height));
        expect(decodeAccount(q.value).balance).toBe(BigInt(cli.balance));
      });

      it("block and block(): the transfer's block as the CLI shows it, and the latest", async () => {
        const b = await client().block(sentHeight);
        const cli = await cmtJson<CliBlock>(['query', 'block', String(sentHeight)], n.env);
        expect(upperHex(b.blockId.hash)).toBe(cometHex(cli.block_id.hash));
        expect(upperHex(b.block.header.appHash)).toBe(cometHex(cli.block.header.app_hash));
        expect(b.block.header.height).toBe(sentHeight);
        expect(b.block.header.chainId).toBe(COMPAT_CHAIN_ID);
        expect(b.blockId.parts.total).toBeGreaterThan(0);
        expect(b.block.txs.map((tx) => upperHex(sha256(tx)))).toContain(sent.hash);
        expect(b.block.lastCommit?.height).toBe(sentHeight - 1);
        const latest = await client().block();
        expect(latest.block.header.height).toBeGreaterThanOrEqual(sentHeight);
      });

      it("blockResults: the transfer's result with its transfer.recipient event", async () => {
        const r = await client().blockResults(sentHeight);
        expect(r.height).toBe(sentHeight);
        const b = await client().block(sentHeight);
        expect(r.results).toHaveLength(b.block.txs.length);
        const index = b.block.txs.findIndex((tx) => upperHex(sha256(tx)) === sent.hash);
        const events = r.results[index]!.events;
        expect(r.results[index]!.code).toBe(0);
        expect(events.find((e) => e.type === 'transfer')?.attributes).toContainEqual({ key: 'recipient', value: recipient });
      });

      it('blockchain: metas from max down to min, each with the id block answers', async () => {
        const min = Math.max(1, sentHeight - 2);
        const chain = await client().blockchain(min, sentHeight);
        expect(chain.lastHeight).toBeGreaterThanOrEqual(sentHeight);
        expect(chain.blockMetas.map((m) => m.header.height)).toEqual(Array.from({ length: sentHeight - min + 1 }, (_, i) => sentHeight - i));
        for (const meta of chain.blockMetas) {
          const b = await client().block(meta.header.height);
          expect(upperHex(meta.blockId.hash)).toBe(upperHex(b.blockId.hash));
          expect(meta.numTxs).toBe(b.block.txs.length);
        }
      });

      it('blockSearch / blockSearchAll: by block.height, paged', async () => {
        const one = await client().blockSearch({ query: `block.height = ${sentHeight}` });
        expect(one.totalCount).toBe(1);
        const b = await client().block(sentHeight);
        expect(upperHex(one.blocks[0]!.blockId.hash)).toBe(upperHex(b.blockId.hash));
        const all = await client().blockSearchAll({ query: 'block.height >= 1 AND block.height <= 3', per_page: 2 });
        expect(all.blocks.map((x) => x.block.header.height)).toEqual([1, 2, 3]);
      });

      it("commit: the block's id and header, signed by the validator the CLI lists", async () => {
        const c = await client().commit(sentHeight);
        const b = await client().block(sentHeight);
        expect(c.canonical).toBe(true);
        expect(c.header.height).toBe(sentHeight);
        expect(upperHex(c.header.appHash)).toBe(upperHex(b.block.header.appHash));
        expect(upperHex(c.commit.blockId.hash)).toBe(upperHex(b.blockId.hash));
        expect(c.commit.height).toBe(sentHeight);
        const signers = c.commit.signatures.filter((sig) => sig.validatorAddress !== undefined).map((sig) => upperHex(sig.validatorAddress!));
        expect(signers).toEqual([upperHex(addressBytes(validator.address))]);
      });

      it('genesis: the chain id and the validator status shows', async () => {
        const g = await client().genesis();
        const s = await client().status();
        expect(g.chainId).toBe(COMPAT_CHAIN_ID);
        expect(g.validators).toHaveLength(1);
        expect(upperHex(g.validators[0]!.address)).toBe(upperHex(s.validatorInfo.address));
        expect(upperHex(g.validators[0]!.pubkey!.data)).toBe(upperHex(s.validatorInfo.pubkey!.data));
        expect(g.validators[0]!.votingPower).toBe(validator.power);
      });

      it('health and numUnconfirmedTxs', async () => {
        expect(await client().health()).toBeNull();
        const u = await client().numUnconfirmedTxs();
        expect(u.total).toBeGreaterThanOrEqual(0);
        expect(u.totalBytes).toBeGreaterThanOrEqual(0);
      });

      it('tx: the transfer by hash, where the CLI found it', async () => {
        const t = await client().tx({ hash: hashBytes(sent.hash) });
        expect(t.height).toBe(sentHeight);
        expect(upperHex(t.hash)).toBe(sent.hash);
        expect(upperHex(sha256(t.tx))).toBe(sent.hash);
        expect(t.result.code).toBe(0);
        const cli = await cmtJson<{ height: string; index: number }>(['query', 'tx', sent.hash], n.env);
        expect(t.height).toBe(Number(cli.height));
        expect(t.index).toBe(cli.index);
      });

      it('txSearch / txSearchAll: the transfer by tx.hash, tx.height and transfer.recipient', async () => {
        for (const query of [`tx.hash='${sent.hash}'`, `tx.height=${sentHeight}`, `transfer.recipient='${recipient}'`]) {
          const found = await client().txSearch({ query });
          expect(found.totalCount, query).toBe(1);
          expect(upperHex(found.txs[0]!.hash), query).toBe(sent.hash);
          expect(found.txs[0]!.height, query).toBe(sentHeight);
        }
        const bySender = await client().txSearchAll({ query: `transfer.sender='${n.dev}'`, per_page: 1 });
        expect(bySender.txs.map((t) => upperHex(t.hash))).toContain(sent.hash);
      });

      it('validators / validatorsAll: the address and power the CLI lists', async () => {
        const v = await client().validators({});
        expect(v.total).toBe(1);
        expect(v.count).toBe(1);
        expect(v.blockHeight).toBeGreaterThan(0);
        expect(upperHex(v.validators[0]!.address)).toBe(upperHex(addressBytes(validator.address)));
        expect(v.validators[0]!.votingPower).toBe(validator.power);
        const all = await client().validatorsAll(sentHeight);
        expect(all.blockHeight).toBe(sentHeight);
        expect(all.validators.map((x) => [upperHex(x.address), x.votingPower])).toEqual([[upperHex(addressBytes(validator.address)), validator.power]]);
      });
    });
  }

  it('broadcastTxSync, broadcastTxAsync, broadcastTxCommit over HTTP: hashes, the committed height the CLI finds, the balance it shows', async () => {
    const key = testKey(0);
    const to = `0x${lowerHex(addressOf(testKey(8)))}`;
    const txs = [0, 1, 2].map((nonce) => transfer(key, { nonce, to: addressBytes(to), amount: ONE_CMT, chainId: COMPAT_CHAIN_ID }));
    const sync = await http.broadcastTxSync({ tx: txs[0]! });
    expect(sync.code).toBe(0);
    expect(upperHex(sync.hash)).toBe(upperHex(sha256(txs[0]!)));
    const async = await http.broadcastTxAsync({ tx: txs[1]! });
    expect(upperHex(async.hash)).toBe(upperHex(sha256(txs[1]!)));
    const commit = await http.broadcastTxCommit({ tx: txs[2]! });
    expect(commit.checkTx.code).toBe(0);
    expect(commit.txResult?.code).toBe(0);
    expect(upperHex(commit.hash)).toBe(upperHex(sha256(txs[2]!)));
    const cli = await cmtJson<{ height: string }>(['query', 'tx', upperHex(commit.hash)], n.env);
    expect(commit.height).toBe(Number(cli.height));
    // Nonces run in order, so the two before it are in its block or an earlier one.
    for (const tx of txs.slice(0, 2)) expect((await http.tx({ hash: sha256(tx) })).height).toBeLessThanOrEqual(commit.height);
    const account = await cmtJson<CliAccount>(['query', 'account', to], n.env);
    expect(BigInt(account.balance)).toBe(3n * ONE_CMT);
  });

  it('broadcast over WebSocket: the Tx event for tx.hash arrives, and agrees with tx', async () => {
    const key = testKey(1);
    const to = addressOf(testKey(9));
    const tx = transfer(key, { nonce: 0, to, amount: ONE_CMT, chainId: COMPAT_CHAIN_ID });
    const hash = upperHex(sha256(tx));
    const event = firstEvent(ws.subscribeTx(`tx.hash='${hash}'`), () => true, 20_000, `Tx event for ${hash}`);
    event.catch(() => undefined); // awaited below, after the broadcast
    const sync = await ws.broadcastTxSync({ tx });
    expect(sync.code).toBe(0);
    const got = await event;
    expect(upperHex(got.hash)).toBe(hash);
    expect(got.result.code).toBe(0);
    const t = await ws.tx({ hash: sha256(tx) });
    expect(t.height).toBe(got.height);
    const viaAsync = transfer(key, { nonce: 1, to, amount: ONE_CMT, chainId: COMPAT_CHAIN_ID });
    expect(upperHex((await ws.broadcastTxAsync({ tx: viaAsync })).hash)).toBe(upperHex(sha256(viaAsync)));
    const viaCommit = await ws.broadcastTxCommit({ tx: transfer(key, { nonce: 2, to, amount: ONE_CMT, chainId: COMPAT_CHAIN_ID }) });
    expect(viaCommit.txResult?.code).toBe(0);
  });

  it('subscribeNewBlock and subscribeNewBlockHeader: events decode and match block at their height', async () => {
    const block = await firstEvent(ws.subscribeNewBlock(), () => true, 20_000, 'NewBlock');
    const header = await firstEvent(ws.subscribeNewBlockHeader(), () => true, 20_000, 'NewBlockHeader');
    for (const h of [block.header, header]) {
      const b = await http.block(h.height);
      expect(h.chainId).toBe(COMPAT_CHAIN_ID);
      expect(upperHex(h.appHash)).toBe(upperHex(b.block.header.appHash));
      expect(upperHex(h.proposerAddress)).toBe(upperHex(addressBytes(validator.address)));
    }
  });
});

/** A CLI hash (upper-case hex) as the bytes CosmJS takes. */
function hashBytes(hash: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hash, 'hex'));
}
