/**
 * Events over the WebSocket as CometBFT 0.38 pushes them (spec/rpc-events.md): a real node, a
 * real WebSocket. Each event carries the subscribe request's id unchanged (numbers and strings
 * alike), CometBFT's data shape under `tendermint/event/<Name>`, and the tags queries match.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { toHex } from '../../src/codec/bytes.js';
import { txHash } from '../../src/codec/tx.js';
import { formatAddress } from '../../src/crypto/address.js';
import type { NewBlockEvent } from '../../src/node/event-bus.js';
import { addressOf, makeTestHome, startTestNode, testKey, transfer, waitForHeight, type RunningTestNode, type TestHome } from '../support/nodes.js';

interface Message {
  id?: unknown;
  result?: { query?: string; data?: { type: string; value: Record<string, unknown> }; events?: Record<string, string[]> };
  error?: { code: number; message: string; data?: string };
}

/** A WebSocket whose messages are kept, so a test can await the first one that fits. */
class Session {
  readonly messages: Message[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as Message);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(url: string): Promise<Session> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Session(ws);
  }

  /** The first message (from `from` on) that fits `pred`. */
  next(pred: (m: Message) => boolean, from = 0): Promise<Message> {
    return new Promise((resolve) => {
      const check = (): void => {
        const found = this.messages.slice(from).find(pred);
        if (found) resolve(found);
        else this.waiters.push(check);
      };
      check();
    });
  }

  /** Sends a request and resolves with its answer (not an event: an answer has no `query`). */
  async call(id: unknown, method: string, params: Record<string, unknown> = {}): Promise<Message> {
    const from = this.messages.length;
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return this.next((m) => m.id === id && (m.error !== undefined || m.result?.query === undefined), from);
  }

  async subscribe(id: unknown, query: string): Promise<void> {
    const answer = await this.call(id, 'subscribe', { query });
    expect(answer.error).toBeUndefined();
  }

  /** The next event pushed for subscription `id`. */
  event(id: unknown, from = this.messages.length): Promise<Message> {
    return this.next((m) => m.id === id && m.result?.query !== undefined, from);
  }

  close(): void {
    this.ws.terminate();
  }
}

const UPPER_HEX_ADDRESS = /^[0-9A-F]{40}$/;
const UPPER_HEX_HASH = /^[0-9A-F]{64}$/;

let home: TestHome;
let running: RunningTestNode;
let url: string;
let validator: Uint8Array;

beforeAll(async () => {
  home = await makeTestHome(2);
  running = await startTestNode(home.home);
  url = `${running.rpc.url.replace('http', 'ws')}/websocket`;
  const self = running.node.status().validator;
  if (!self) throw new Error('the test node is a validator');
  validator = self.address;
}, 60_000);

afterAll(async () => {
  await running?.stop();
  await home?.cleanup();
});

describe('event ids', () => {
  it.each<[string, unknown]>([
    ['a number', 7],
    ['a string', 'header-watch'],
    ['zero', 0],
  ])('an event carries the subscribe request id unchanged when it is %s (as CometBFT 0.38 and CosmJS)', async (_, id) => {
    const s = await Session.open(url);
    try {
      await s.subscribe(id, "tm.event='NewBlockHeader'");
      const event = await s.event(id);
      expect(event.id).toStrictEqual(id);
      expect(event.result?.query).toBe("tm.event='NewBlockHeader'");
      expect(event.result?.data?.type).toBe('tendermint/event/NewBlockHeader');
    } finally {
      s.close();
    }
  });
});

describe('block events', () => {
  it('NewBlockHeader is {header} with block.height; NewBlockEvents is {height, events, num_txs}; NewBlock is {block, block_id, result_finalize_block}', async () => {
    const s = await Session.open(url);
    try {
      await s.subscribe(1, "tm.event='NewBlockHeader'");
      await s.subscribe(2, "tm.event='NewBlockEvents'");
      await s.subscribe(3, "tm.event='NewBlock'");
      const header = await s.event(1);
      const value = header.result?.data?.value as { header: { height: string; chain_id: string; proposer_address: string; last_block_id: { hash: string; parts: { total: number; hash: string } } } };
      const height = value.header.height;
      expect(height).toMatch(/^\d+$/);
      expect(value.header.proposer_address).toBe(toHex(validator).toUpperCase());
      expect(value.header.last_block_id.parts).toBeDefined();
      expect(header.result?.events).toEqual({ 'tm.event': ['NewBlockHeader'], 'block.height': [height] });

      const events = await s.next((m) => m.id === 2 && (m.result?.data?.value as { height?: string } | undefined)?.height === height);
      expect(events.result?.data?.type).toBe('tendermint/event/NewBlockEvents');
      const ev = events.result?.data?.value as { height: string; events: unknown[]; num_txs: string };
      expect(ev.num_txs).toMatch(/^\d+$/);
      expect(Array.isArray(ev.events)).toBe(true);
      expect(events.result?.events?.['tm.event']).toEqual(['NewBlockEvents']);
      expect(events.result?.events?.['block.height']).toEqual([height]);

      const block = await s.next((m) => m.id === 3 && (m.result?.data?.value as { block?: { header: { height: string } } } | undefined)?.block?.header.height === height);
      const nb = block.result?.data?.value as { block: unknown; block_id: { hash: string; parts: unknown }; result_finalize_block: { events: unknown[]; tx_results: unknown[]; validator_updates: unknown[]; app_hash: string } };
      expect(nb.block_id.hash).toMatch(UPPER_HEX_HASH);
      expect(nb.block_id.parts).toBeDefined();
      expect(Array.isArray(nb.result_finalize_block.events)).toBe(true);
      expect(Array.isArray(nb.result_finalize_block.tx_results)).toBe(true);
      expect(Array.isArray(nb.result_finalize_block.validator_updates)).toBe(true);
      expect(typeof nb.result_finalize_block.app_hash).toBe('string');
    } finally {
      s.close();
    }
  });

  it('Tx after a transfer, found by its recipient: {TxResult: {height, index, tx, result}} with tx.hash and tx.height', async () => {
    const s = await Session.open(url);
    try {
      const to = addressOf(testKey(1));
      await s.subscribe('by-recipient', `tm.event='Tx' AND transfer.recipient='${formatAddress(to)}'`);
      const tx = transfer(testKey(0), { nonce: 0, to, amount: 5n });
      const hash = toHex(txHash(tx)).toUpperCase();
      const pending = s.event('by-recipient');
      const sent = await running.client.call<{ code: number }>('broadcast_tx_sync', { tx: `0x${toHex(tx)}` });
      expect(sent.code).toBe(0);
      const event = await pending;
      expect(event.result?.data?.type).toBe('tendermint/event/Tx');
      const txResult = (event.result?.data?.value as { TxResult: { height: string; index: number; tx: string; result: { code: number; events: { type: string }[] } } }).TxResult;
      expect(txResult.height).toMatch(/^\d+$/);
      expect(txResult.index).toBe(0);
      expect(Buffer.from(txResult.tx, 'base64')).toEqual(Buffer.from(tx));
      expect(txResult.result.code).toBe(0);
      expect(txResult.result.events.map((e) => e.type)).toContain('transfer');
      expect(event.result?.events?.['tx.hash']).toEqual([hash]);
      expect(event.result?.events?.['tx.height']).toEqual([txResult.height]);
      expect(event.result?.events?.['transfer.recipient']).toEqual([formatAddress(to)]);
    } finally {
      s.close();
    }
  });

  it('ValidatorSetUpdates lists each update with a CometBFT address, and only when a block changes the set', async () => {
    const s = await Session.open(url);
    try {
      await s.subscribe(9, "tm.event='ValidatorSetUpdates'");
      const block = await running.node.block(1);
      if (!block) throw new Error('no block 1');
      const publicKey = testKey(5).publicKey;
      const base = { block: block.block, hash: block.hash, commit: block.block.lastCommit };
      const response: NewBlockEvent['response'] = { txResults: [], events: [], validatorUpdates: [], consensusParamUpdates: null, appHash: new Uint8Array(32) };
      const from = s.messages.length;
      // A block that changes nothing first: it must not be told.
      running.node.events.publishBlock({ ...base, response }, []);
      running.node.events.publishBlock({ ...base, response: { ...response, validatorUpdates: [{ publicKey, power: 42 }] } }, []);
      const event = await s.event(9, from);
      expect(s.messages.slice(from).filter((m) => m.id === 9)).toHaveLength(1);
      expect(event.result?.data?.type).toBe('tendermint/event/ValidatorSetUpdates');
      const updates = (event.result?.data?.value as { validator_updates: { address: string; pub_key: { type: string; value: string }; voting_power: string; proposer_priority: string }[] }).validator_updates;
      expect(updates).toEqual([
        { address: toHex(addressOf(testKey(5))).toUpperCase(), pub_key: { type: 'tendermint/PubKeyEd25519', value: Buffer.from(publicKey).toString('base64') }, voting_power: '42', proposer_priority: '0' },
      ]);
      expect(event.result?.events).toEqual({ 'tm.event': ['ValidatorSetUpdates'] });
    } finally {
      s.close();
    }
  });
});

describe('evidence', () => {
  it('NewEvidence tells each evidence a committed block carries: {evidence, height}', async () => {
    const s = await Session.open(url);
    try {
      await s.subscribe('ev', "tm.event='NewEvidence'");
      const stored = await running.node.block(1);
      if (!stored) throw new Error('no block 1');
      const vote = (blockHash: Uint8Array) => ({ type: 1 as const, height: 1, round: 0, blockHash, validatorAddress: validator, validatorIndex: 0, signature: new Uint8Array(64).fill(9) });
      const evidence = { type: 'duplicateVote' as const, voteA: vote(new Uint8Array(32).fill(1)), voteB: vote(new Uint8Array(32).fill(2)), totalVotingPower: 10, validatorPower: 10, time: stored.block.header.time };
      const block = { ...stored.block, evidence: [evidence] };
      const response: NewBlockEvent['response'] = { txResults: [], events: [], validatorUpdates: [], consensusParamUpdates: null, appHash: new Uint8Array(32) };
      running.node.events.publishBlock({ block, hash: stored.hash, response, commit: stored.block.lastCommit }, []);
      const event = await s.event('ev', 0);
      expect(event.result?.data?.type).toBe('tendermint/event/NewEvidence');
      const value = event.result?.data?.value as { height: string; evidence: { type: string; value: { vote_a: { validator_address: string }; vote_b: unknown } } };
      expect(value.height).toBe(String(block.header.height));
      expect(value.evidence.type).toBe('tendermint/DuplicateVoteEvidence');
      expect(value.evidence.value.vote_a.validator_address).toBe(toHex(validator).toUpperCase());
      expect(event.result?.events).toEqual({ 'tm.event': ['NewEvidence'] });
    } finally {
      s.close();
    }
  });
});

describe('consensus events on a running single-validator chain', () => {
  it('NewRound names the proposer; Vote carries the vote with an upper-case hex validator address; NewRoundStep walks the steps', async () => {
    const s = await Session.open(url);
    try {
      await s.subscribe('round', "tm.event='NewRound'");
      await s.subscribe('vote', "tm.event='Vote'");
      await s.subscribe('step', "tm.event='NewRoundStep'");
      const round = await s.event('round');
      expect(round.result?.data?.type).toBe('tendermint/event/NewRound');
      const nr = round.result?.data?.value as { height: string; round: number; step: string; proposer: { address: string; index: number } };
      expect(nr.height).toMatch(/^\d+$/);
      expect(nr.step).toBe('RoundStepNewRound');
      expect(nr.proposer).toEqual({ address: toHex(validator).toUpperCase(), index: 0 });
      expect(round.result?.events).toEqual({ 'tm.event': ['NewRound'] });

      const votes: Record<string, unknown>[] = [];
      for (const type of [1, 2]) {
        const vote = await s.next((m) => m.id === 'vote' && (m.result?.data?.value as { Vote?: { type: number } } | undefined)?.Vote?.type === type);
        expect(vote.result?.data?.type).toBe('tendermint/event/Vote');
        votes.push((vote.result?.data?.value as { Vote: Record<string, unknown> }).Vote);
      }
      for (const v of votes) {
        expect(v.validator_address).toMatch(UPPER_HEX_ADDRESS);
        expect(v.validator_address).toBe(toHex(validator).toUpperCase());
        expect(v.validator_index).toBe(0);
        expect(v.height).toMatch(/^\d+$/);
        expect(typeof v.round).toBe('number');
        expect(Number.isNaN(Date.parse(v.timestamp as string))).toBe(false);
        expect(Buffer.from(v.signature as string, 'base64')).toHaveLength(64);
        expect((v.block_id as { hash: string }).hash).toMatch(UPPER_HEX_HASH);
      }

      // One whole height, NewHeight to Commit, in order.
      const start = await s.next((m) => m.id === 'step' && (m.result?.data?.value as { step?: string } | undefined)?.step === 'RoundStepNewHeight');
      const h = (start.result?.data?.value as { height: string }).height;
      const from = s.messages.indexOf(start);
      await s.next((m) => m.id === 'step' && (m.result?.data?.value as { height?: string } | undefined)?.height === h && (m.result?.data?.value as { step?: string } | undefined)?.step === 'RoundStepCommit', from);
      const steps = s.messages
        .slice(from)
        .filter((m) => m.id === 'step' && (m.result?.data?.value as { height?: string } | undefined)?.height === h)
        .map((m) => (m.result?.data?.value as { step: string }).step);
      expect(steps[0]).toBe('RoundStepNewHeight');
      expect(steps.at(-1)).toBe('RoundStepCommit');
      const order = ['RoundStepNewHeight', 'RoundStepPropose', 'RoundStepPrevote', 'RoundStepPrecommit', 'RoundStepCommit'];
      const seen = order.map((step) => steps.findIndex((x) => x === step || x === `${step}Wait`));
      expect(seen.every((i) => i >= 0)).toBe(true);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    } finally {
      s.close();
    }
  });

  it('CompleteProposal, Polka, Lock and ValidBlock arrive for each height with CometBFT data shapes', async () => {
    const s = await Session.open(url);
    try {
      await s.subscribe(1, "tm.event='CompleteProposal'");
      await s.subscribe(2, "tm.event='Polka'");
      await s.subscribe(3, "tm.event='Lock'");
      await s.subscribe(4, "tm.event='ValidBlock'");
      const proposal = await s.event(1);
      expect(proposal.result?.data?.type).toBe('tendermint/event/CompleteProposal');
      const cp = proposal.result?.data?.value as { height: string; round: number; step: string; block_id: { hash: string; parts: { total: number } } };
      expect(cp.block_id.hash).toMatch(UPPER_HEX_HASH);
      expect(cp.step).toMatch(/^RoundStep/);
      const sameHeight = (id: number) => (m: Message): boolean => m.id === id && (m.result?.data?.value as { height?: string } | undefined)?.height === cp.height;
      for (const id of [2, 3, 4]) {
        const event = await s.next(sameHeight(id));
        expect(event.result?.data?.type).toBe('tendermint/event/RoundState');
        const value = event.result?.data?.value as { height: string; round: number; step: string };
        expect(Object.keys(value).sort()).toEqual(['height', 'round', 'step']);
        expect(value.round).toBe(cp.round);
      }
    } finally {
      s.close();
    }
  });
});

describe('unsubscribing', () => {
  it('unsubscribe stops one subscription and unsubscribe_all every one; the connection keeps answering', async () => {
    const s = await Session.open(url);
    try {
      await s.subscribe('a', "tm.event='NewBlockHeader'");
      await s.subscribe('b', "tm.event='Vote'");
      await s.subscribe('gate', "tm.event='NewBlock'");
      await s.event('a');
      await s.event('b');
      expect((await s.call('u1', 'unsubscribe', { query: "tm.event='NewBlockHeader'" })).error).toBeUndefined();
      // Two whole blocks later (told by the subscription kept), nothing more came for 'a'.
      let from = s.messages.length;
      await s.event('gate', from);
      await s.event('gate', s.messages.length);
      expect(s.messages.slice(from).filter((m) => m.id === 'a')).toEqual([]);
      expect(s.messages.slice(from).some((m) => m.id === 'b')).toBe(true);

      expect((await s.call('u2', 'unsubscribe_all')).error).toBeUndefined();
      from = s.messages.length;
      await waitForHeight(running.node, running.node.status().latestBlockHeight + 2);
      expect((await s.call('h', 'health')).error).toBeUndefined();
      expect(s.messages.slice(from).filter((m) => m.result?.query !== undefined)).toEqual([]);
    } finally {
      s.close();
    }
  });
});
