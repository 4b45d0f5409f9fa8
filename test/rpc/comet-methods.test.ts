/**
 * CometBFT 0.38's methods against a real node: CosmJS's Comet38Client decodes every answer it
 * has a decoder for, and the decoded values agree with the node's own methods; every method
 * answers the same over URI GET and JSON-RPC POST; validator addresses are CometBFT's
 * upper-case hex in CometBFT's methods, and the same 20 bytes as cmt's 0x form.
 */
import { Comet38Client, HttpClient } from '@cosmjs/tendermint-rpc';
import { copyFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAccount } from '../../src/app/bank/accounts.js';
import { ONE_CMT } from '../../src/codec/amount.js';
import { sha256 } from '../../src/codec/hash.js';
import { encode } from '../../src/codec/schema.js';
import { Evidence, PREVOTE, voteSignBytes, type Vote } from '../../src/codec/vote.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { sign } from '../../src/crypto/ed25519.js';
import { homePaths } from '../../src/node/home.js';
import { readValidatorKey } from '../../src/node/priv-validator.js';
import { nodeIdOfPeer } from '../../src/rpc/comet-views.js';
import { METHODS } from '../../src/rpc/methods.js';
import { RpcClient } from '../../src/rpc/client.js';
import { cmt } from '../support/cli.js';
import { addressOf, makeTestHome, startTestNode, testKey, transfer, waitForHeight, TEST_CHAIN_ID, type RunningTestNode, type TestHome } from '../support/nodes.js';

const upper = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const hex0x = (b: Uint8Array): string => `0x${Buffer.from(b).toString('hex')}`;

interface Envelope {
  result?: unknown;
  error?: { code: number; message: string; data?: string };
}

async function uri(url: string, method: string, params: Record<string, string> = {}): Promise<{ status: number; body: Envelope }> {
  const res = await fetch(`${url}/${method}?${new URLSearchParams(params).toString()}`);
  return { status: res.status, body: (await res.json()) as Envelope };
}

async function post(url: string, method: string, params: Record<string, unknown> = {}): Promise<Envelope> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await res.json()) as Envelope;
}

describe("CometBFT 0.38's methods, read by CosmJS", () => {
  let home: TestHome;
  let running: RunningTestNode;
  let url: string;
  let rpc: RpcClient;
  let comet: Comet38Client;
  let sentTx: Uint8Array;
  let sentHeight: number;
  const recipient = addressOf(testKey(6));

  beforeAll(async () => {
    home = await makeTestHome(4);
    running = await startTestNode(home.home);
    url = running.rpc.url;
    rpc = running.client;
    // The transfer's block has a block before it (and so a last commit and last block id).
    await waitForHeight(running.node, 2);
    sentTx = transfer(testKey(0), { nonce: 0, to: recipient, amount: 2n * ONE_CMT });
    const sent = await rpc.call<{ height: string; tx_result: { code: number } }>('broadcast_tx_commit', { tx: hex0x(sentTx) });
    expect(sent.tx_result.code).toBe(0);
    sentHeight = Number(sent.height);
    // The next block carries the transfer's block's commit, and its app hash.
    await waitForHeight(running.node, sentHeight + 2);
    comet = Comet38Client.create(new HttpClient(url));
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
    await home?.cleanup();
  });

  it('status: node id from the node key, validator_info as validators shows it, heights and hashes block agrees with', async () => {
    const s = await comet.status();
    const raw = await rpc.call<{ node_info: { other: { peer_id: string } } }>('status');
    expect(upper(s.nodeInfo.id)).toBe(nodeIdOfPeer(raw.node_info.other.peer_id).toUpperCase());
    expect(s.nodeInfo.id).toHaveLength(20);
    expect(s.nodeInfo.network).toBe(TEST_CHAIN_ID);
    expect(s.nodeInfo.protocolVersion.block).toBe(1);
    const vals = await comet.validators({});
    expect(vals.validators).toHaveLength(1);
    expect(upper(s.validatorInfo.address)).toBe(upper(vals.validators[0]!.address));
    expect(s.validatorInfo.votingPower).toBe(vals.validators[0]!.votingPower);
    expect(upper(addressFromPublicKey(s.validatorInfo.pubkey!.data))).toBe(upper(s.validatorInfo.address));
    const latest = await comet.block(s.syncInfo.latestBlockHeight);
    expect(upper(latest.blockId.hash)).toBe(upper(s.syncInfo.latestBlockHash));
    // As CometBFT: the latest header's app hash (abci_info has the state root after that block).
    expect(upper(latest.block.header.appHash)).toBe(upper(s.syncInfo.latestAppHash));
    const first = await comet.block(s.syncInfo.earliestBlockHeight);
    expect(upper(s.syncInfo.earliestBlockHash!)).toBe(upper(first.blockId.hash));
    expect(upper(s.syncInfo.earliestAppHash!)).toBe(upper(first.block.header.appHash));
    expect(s.syncInfo.earliestBlockTime?.getTime()).toBe(first.block.header.time.getTime());
  });

  it("the CLI shows validator addresses in cmt's 0x form: the same bytes CometBFT's methods show in upper case", async () => {
    const vals = await comet.validators({ height: sentHeight });
    const account = `0x${upper(vals.validators[0]!.address).toLowerCase()}`;
    const status = await cmt(['status', '--node', url]);
    expect(status.stdout).toMatch(new RegExp(`validator:\\s+${account} \\(power ${vals.validators[0]!.votingPower}\\)`));
    const block = await cmt(['query', 'block', String(sentHeight), '--node', url]);
    expect(block.stdout).toMatch(new RegExp(`proposer:\\s+${account}`));
  });

  it('abciInfo: the last height, and the app hash the next header carries', async () => {
    const info = await comet.abciInfo();
    const h = info.lastBlockHeight ?? 0;
    expect(h).toBeGreaterThanOrEqual(sentHeight + 2);
    await waitForHeight(running.node, h + 1);
    const next = await comet.block(h + 1);
    expect(upper(info.lastBlockAppHash!)).toBe(upper(next.block.header.appHash));
  });

  it('abciQuery /account: the balance the account method shows, at its height', async () => {
    const account = await rpc.call<{ balance: string; height: string }>('account', { address: hex0x(recipient) });
    const q = await comet.abciQuery({ path: '/account', data: recipient, height: Number(account.height) });
    expect(q.code).toBe(0);
    expect(q.height).toBe(Number(account.height));
    expect(decodeAccount(q.value).balance).toBe(BigInt(account.balance));
    const proved = await comet.abciQuery({ path: '/account', data: recipient, height: Number(account.height), prove: true });
    expect(proved.proof?.ops).toHaveLength(1);
  });

  it('block, block_by_hash, header, header_by_hash: one block id and header, the first block without a last block id', async () => {
    const b = await comet.block(sentHeight);
    expect(b.block.header.height).toBe(sentHeight);
    expect(b.blockId.parts).toEqual({ total: 1, hash: b.blockId.hash });
    expect(b.block.txs.map((tx) => upper(sha256(tx)))).toContain(upper(sha256(sentTx)));
    expect(b.block.lastCommit?.height).toBe(sentHeight - 1);
    const before = await comet.block(sentHeight - 1);
    expect(upper(b.block.header.lastBlockId!.hash)).toBe(upper(before.blockId.hash));
    expect(upper(b.block.lastCommit!.blockId.hash)).toBe(upper(before.blockId.hash));
    for (const sig of b.block.lastCommit!.signatures) expect(sig.timestamp?.getTime()).toBe(b.block.header.time.getTime());
    const vals = await comet.validators({ height: sentHeight });
    expect(upper(b.block.header.proposerAddress)).toBe(upper(vals.validators[0]!.address));

    const first = await comet.block(1);
    expect(first.block.header.lastBlockId).toBeNull();
    expect(first.block.lastCommit).toBeNull();

    const plain = (await post(url, 'block', { height: String(sentHeight) })).result;
    for (const hash of [b64(b.blockId.hash), upper(b.blockId.hash), hex0x(b.blockId.hash)]) {
      expect((await post(url, 'block_by_hash', { hash })).result, hash).toEqual(plain);
      expect((await post(url, 'header_by_hash', { hash })).result).toEqual({ header: (plain as { block: { header: unknown } }).block.header });
    }
    expect((await post(url, 'header', { height: String(sentHeight) })).result).toEqual({ header: (plain as { block: { header: unknown } }).block.header });
  });

  it("blockResults: the transfer's result", async () => {
    const r = await comet.blockResults(sentHeight);
    expect(r.height).toBe(sentHeight);
    const b = await comet.block(sentHeight);
    expect(r.results).toHaveLength(b.block.txs.length);
    expect(r.results.every((t) => t.code === 0)).toBe(true);
  });

  it('blockchain: metas newest first, at most 20, each with the id and size block answers', async () => {
    const chain = await comet.blockchain(1, sentHeight);
    expect(chain.blockMetas.map((m) => m.header.height)).toEqual(Array.from({ length: Math.min(20, sentHeight) }, (_, i) => sentHeight - i));
    for (const meta of chain.blockMetas) {
      const b = await comet.block(meta.header.height);
      expect(upper(meta.blockId.hash)).toBe(upper(b.blockId.hash));
      expect(meta.numTxs).toBe(b.block.txs.length);
    }
    const latest = await comet.blockchain();
    expect(latest.blockMetas.length).toBeGreaterThan(0);
    expect(latest.blockMetas[0]!.header.height).toBe(latest.lastHeight);
    const refused = await post(url, 'blockchain', { minHeight: '5', maxHeight: '2' });
    expect(refused.error?.code).toBe(-32602);
  });

  it('commit: canonical, the block id block answers, signed by the validator validators lists', async () => {
    const c = await comet.commit(sentHeight);
    const b = await comet.block(sentHeight);
    const next = await comet.block(sentHeight + 1);
    expect(c.canonical).toBe(true);
    expect(c.header.height).toBe(sentHeight);
    expect(upper(c.commit.blockId.hash)).toBe(upper(b.blockId.hash));
    const vals = await comet.validators({ height: sentHeight });
    expect(c.commit.signatures.map((s) => upper(s.validatorAddress!))).toEqual([upper(vals.validators[0]!.address)]);
    expect(c.commit.signatures[0]!.timestamp?.getTime()).toBe(next.block.header.time.getTime());
  });

  it('genesis and genesis_chunked: the validator status shows, and the chunks join to the genesis', async () => {
    const g = await comet.genesis();
    const s = await comet.status();
    expect(g.chainId).toBe(TEST_CHAIN_ID);
    expect(g.validators.map((v) => upper(v.address))).toEqual([upper(s.validatorInfo.address)]);
    expect(g.consensusParams.block?.maxGas).toBeGreaterThan(0);
    const whole = (await post(url, 'genesis')).result as { genesis: unknown };
    const chunk = (await post(url, 'genesis_chunked', { chunk: 0 })).result as { chunk: string; total: string; data: string };
    expect(chunk.total).toBe('1');
    expect(JSON.parse(Buffer.from(chunk.data, 'base64').toString('utf8'))).toEqual(whole.genesis);
    expect((await post(url, 'genesis_chunked', { chunk: 1 })).error?.code).toBe(-32602);
  });

  it('health, numUnconfirmedTxs, consensus_params, consensus_state, dump_consensus_state, net_info', async () => {
    expect(await comet.health()).toBeNull();
    const u = await comet.numUnconfirmedTxs();
    expect(u.total).toBeGreaterThanOrEqual(0);
    // CometBFT's paging of limit: above 100 is 100, below 1 the default, never an error.
    for (const limit of ['1000', '0', '5']) expect((await post(url, 'unconfirmed_txs', { limit })).result, limit).toMatchObject({ total: String(u.total) });
    const params = (await post(url, 'consensus_params', { height: String(sentHeight) })).result as { block_height: string; consensus_params: { block: { max_gas: string }; validator: { pub_key_types: string[] } } };
    expect(params.block_height).toBe(String(sentHeight));
    expect(params.consensus_params.validator.pub_key_types).toEqual(['ed25519']);
    const own = await rpc.call<{ consensus: { block_max_gas: number } }>('params');
    expect(Number(params.consensus_params.block.max_gas)).toBe(own.consensus.block_max_gas);
    const vals = await comet.validators({});
    const state = await rpc.call<{ round_state: { proposer: { address: string } | null } }>('consensus_state');
    if (state.round_state.proposer) expect(state.round_state.proposer.address).toBe(upper(vals.validators[0]!.address));
    const dump = await rpc.call<{ round_state: { validators: { validators: { address: string }[] } }; peers: unknown[] }>('dump_consensus_state');
    expect(dump.round_state.validators.validators.map((v) => v.address)).toEqual([upper(vals.validators[0]!.address)]);
    expect(dump.peers).toEqual([]);
    const net = await rpc.call<{ listening: boolean; n_peers: string; peers: unknown[] }>('net_info');
    expect(net).toMatchObject({ listening: true, n_peers: '0', peers: [] });
  });

  it('tx: by base64 (CosmJS) and by hex, with a proof that leads to the data hash', async () => {
    const hash = sha256(sentTx);
    const t = await comet.tx({ hash, prove: true });
    expect(t.height).toBe(sentHeight);
    expect(upper(t.hash)).toBe(upper(hash));
    expect(upper(sha256(t.tx))).toBe(upper(hash));
    const b = await comet.block(sentHeight);
    expect(upper(t.proof!.rootHash)).toBe(upper(b.block.header.dataHash));
    expect(t.proof!.proof.total).toBe(b.block.txs.length);
    const byHex = (await uri(url, 'tx', { hash: `0x${upper(hash)}` })).body.result as { height: string; index: number };
    expect(byHex).toMatchObject({ height: String(sentHeight), index: t.index });
  });

  it('validators: CometBFT paging (per_page 30 by default, 100 at most, a page past the last refused)', async () => {
    const all = await comet.validatorsAll(sentHeight);
    expect(all.blockHeight).toBe(sentHeight);
    expect(all.validators).toHaveLength(1);
    const own = await rpc.call<{ validators: { address: string; voting_power: string }[] }>('staking_validators').catch(() => undefined);
    if (own && own.validators.length > 0) expect(own.validators[0]!.address).toBe(`0x${upper(all.validators[0]!.address).toLowerCase()}`);
    for (const perPage of ['0', '1000', '1']) expect(((await post(url, 'validators', { per_page: perPage })).result as { count: string }).count).toBe('1');
    for (const page of ['2', '0', '-1']) {
      const refused = await uri(url, 'validators', { page });
      expect(refused.status, page).toBe(400);
      expect(refused.body.error?.code, page).toBe(-32602);
    }
  });

  it('every method answers the same over URI GET and JSON-RPC POST; GET / lists them all', async () => {
    const h = String(sentHeight);
    const blockHash = (await comet.block(sentHeight)).blockId.hash;
    const cases: [string, Record<string, string>, Record<string, unknown>][] = [
      ['abci_info', {}, {}],
      ['block', { height: h }, { height: h }],
      ['block_by_hash', { hash: hex0x(blockHash) }, { hash: b64(blockHash) }],
      ['block_results', { height: h }, { height: h }],
      ['blockchain', { minHeight: '1', maxHeight: h }, { minHeight: '1', maxHeight: h }],
      ['commit', { height: h }, { height: h }],
      ['consensus_params', { height: h }, { height: h }],
      ['genesis', {}, {}],
      ['genesis_chunked', { chunk: '0' }, { chunk: 0 }],
      ['header', { height: h }, { height: h }],
      ['header_by_hash', { hash: hex0x(blockHash) }, { hash: b64(blockHash) }],
      ['health', {}, {}],
      ['tx', { hash: hex0x(sha256(sentTx)) }, { hash: b64(sha256(sentTx)) }],
      ['validators', { height: h, page: '1', per_page: '1' }, { height: h, page: 1, per_page: 1 }],
    ];
    for (const [method, viaUri, viaPost] of cases) {
      const a = await uri(url, method, viaUri);
      const b = await post(url, method, viaPost);
      expect(a.status, method).toBe(200);
      if (method === 'blockchain') {
        // last_height is the tip, which may move between the two calls: the metas asked for may not.
        const [ra, rb] = [a.body.result, b.result] as { last_height: string; block_metas: unknown[] }[];
        expect(ra?.block_metas, method).toEqual(rb?.block_metas);
        expect(Number(rb?.last_height), method).toBeGreaterThanOrEqual(Number(ra?.last_height));
      } else expect(a.body.result, method).toEqual(b.result);
    }
    const listed = (await uri(url, '')).body.result as { methods: string[] };
    for (const m of Object.keys(METHODS)) expect(listed.methods).toContain(m);
    for (const m of ['check_tx', 'broadcast_evidence', 'dump_consensus_state', 'net_info', 'unconfirmed_txs', 'num_unconfirmed_txs', 'status']) expect(listed.methods).toContain(m);
  });

  it('check_tx: the answer broadcast_tx_sync gives, and nothing changes (mempool, nonce)', async () => {
    const tx = transfer(testKey(2), { nonce: 0, to: recipient, amount: ONE_CMT });
    const before = await comet.numUnconfirmedTxs();
    const checked = (await post(url, 'check_tx', { tx: b64(tx) })).result as { code: number; gas_wanted: string };
    expect(checked.code).toBe(0);
    const again = (await uri(url, 'check_tx', { tx: hex0x(tx) })).body.result;
    expect(again).toEqual(checked);
    expect((await comet.numUnconfirmedTxs()).total).toBe(before.total);
    const account = await rpc.call<{ pending_nonce: string }>('account', { address: hex0x(addressOf(testKey(2))) });
    expect(account.pending_nonce).toBe('0');
    const bad = (await post(url, 'check_tx', { tx: b64(transfer(testKey(2), { nonce: 5, to: recipient, amount: ONE_CMT })) })).result as { code: number; log: string };
    expect(bad.code).not.toBe(0);
    expect(bad.log).toMatch(/nonce/);
  });

  it('broadcastTxSync, broadcastTxAsync, broadcastTxCommit: hashes, and the height tx finds', async () => {
    const key = testKey(1);
    const txs = [0, 1, 2].map((nonce) => transfer(key, { nonce, to: recipient, amount: ONE_CMT }));
    const sync = await comet.broadcastTxSync({ tx: txs[0]! });
    expect(sync.code).toBe(0);
    expect(upper(sync.hash)).toBe(upper(sha256(txs[0]!)));
    const async = await comet.broadcastTxAsync({ tx: txs[1]! });
    expect(upper(async.hash)).toBe(upper(sha256(txs[1]!)));
    const commit = await comet.broadcastTxCommit({ tx: txs[2]! });
    expect(commit.checkTx.code).toBe(0);
    expect(commit.txResult?.code).toBe(0);
    expect((await comet.tx({ hash: sha256(txs[2]!) })).height).toBe(commit.height);
  });

  it('a full node peered with the validator: its node key with power 0 as validator_info; net_info and dump_consensus_state name each other by node id', async () => {
    const validatorStatus = await rpc.call<{ node_info: { id: string; listen_addr: string } }>('status');
    const fullHome = await makeTestHome(1, {
      config: (c) => ({ ...c, rpc: { ...c.rpc, port: 0 }, p2p: { ...c.p2p, port: 0, persistentPeers: [validatorStatus.node_info.listen_addr] }, verifierThreads: 1 }),
    });
    const paths = homePaths(fullHome.home);
    await copyFile(homePaths(home.home).genesis, paths.genesis);
    await rm(paths.privValidatorKey);
    await rm(paths.privValidatorState, { force: true });
    const full = await startTestNode(fullHome.home);
    try {
      await waitForHeight(full.node, 2);
      const s = await Comet38Client.create(new HttpClient(full.rpc.url)).status();
      expect(s.validatorInfo.votingPower).toBe(0n);
      expect(upper(s.validatorInfo.address)).toBe(upper(s.nodeInfo.id));
      expect(upper(addressFromPublicKey(s.validatorInfo.pubkey!.data))).toBe(upper(s.nodeInfo.id));
      const cli = await cmt(['status', '--node', full.rpc.url]);
      expect(cli.stdout).toMatch(/validator:\s+no \(full node\)/);
      const net = await full.client.call<{ n_peers: string; peers: { node_info: { id: string }; is_outbound: boolean; remote_ip: string }[] }>('net_info');
      expect(net.peers.map((p) => p.node_info.id)).toContain(validatorStatus.node_info.id);
      const seen = await rpc.call<{ peers: { node_info: { id: string } }[] }>('net_info');
      expect(seen.peers.map((p) => p.node_info.id)).toContain(Buffer.from(s.nodeInfo.id).toString('hex'));
      const dump = await full.client.call<{ peers: { node_address: string }[] }>('dump_consensus_state');
      expect(dump.peers.map((p) => p.node_address.split('@')[0])).toContain(validatorStatus.node_info.id);
    } finally {
      await full.stop();
      await fullHome.cleanup();
    }
  });

  it('broadcast_evidence: junk is invalid params; a real double sign is verified by the pool and answered with its hash', async () => {
    for (const evidence of ['', '0x00', 'AAAA', { type: 'tendermint/DuplicateVoteEvidence' }, '0x' + 'ab'.repeat(5000)]) {
      expect((await post(url, 'broadcast_evidence', { evidence })).error?.code, JSON.stringify(evidence).slice(0, 40)).toBe(-32602);
    }
    const key = await readValidatorKey(homePaths(home.home).privValidatorKey);
    const height = sentHeight;
    const vals = await rpc.call<{ validators: { voting_power: string }[] }>('validators', { height });
    const power = Number(vals.validators[0]!.voting_power);
    const time = Date.parse((await rpc.call<{ block: { header: { time: string } } }>('block', { height })).block.header.time);
    const vote = (fill: number): Vote => {
      const unsigned = { type: PREVOTE, height, round: 7, blockHash: new Uint8Array(32).fill(fill), validatorAddress: addressFromPublicKey(key.publicKey), validatorIndex: 0, signature: new Uint8Array(64) } as Vote;
      return { ...unsigned, signature: sign(key.privateKey, voteSignBytes(TEST_CHAIN_ID, unsigned)) };
    };
    const evidence: Evidence = { type: 'duplicateVote', voteA: vote(1), voteB: vote(2), totalVotingPower: power, validatorPower: power, time };
    const wrongTime = encode(Evidence, { ...evidence, time: time + 1 });
    const refused = await post(url, 'broadcast_evidence', { evidence: b64(wrongTime) });
    expect(refused.error).toMatchObject({ code: -32602, data: expect.stringMatching(/time/) });
    const bytes = encode(Evidence, evidence);
    const answer = (await uri(url, 'broadcast_evidence', { evidence: hex0x(bytes) })).body.result as { hash: string };
    expect(answer.hash).toBe(upper(sha256(bytes)));
    // Known evidence is no error (CometBFT's pool answers nil for it too).
    expect((await post(url, 'broadcast_evidence', { evidence: b64(bytes) })).result).toEqual(answer);
  });
});
