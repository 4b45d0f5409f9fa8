/**
 * CosmJS's Comet38Client against a real 4-validator testnet started by `cmt testnet start`:
 * the validator set and powers the CLI shows, commit signatures by those validators, and the
 * NewBlock, NewBlockHeader and Tx events of a transfer sent by `cmt tx send`, which tx_search
 * then finds by hash, height and recipient.
 */
import { join } from 'node:path';
import { Comet38Client, HttpClient } from '@cosmjs/tendermint-rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import type { NodeProbe } from '../../src/cli/testnet-processes.js';
import { cmt } from '../support/cli.js';
import { addressBytes, cmtJson, cosmjsOverWebSocket, firstEvent, lowerHex, upperHex, type CliSent } from '../support/compat.js';
import { addressOf, testKey } from '../support/nodes.js';
import { tempDir } from '../support/temp-dir.js';
import { RpcClient } from '../../src/rpc/client.js';

/** Polls a node's status until it has committed `height`. */
async function waitForHeight(rpc: string, height: number, timeoutMs: number): Promise<void> {
  const client = new RpcClient(rpc);
  const deadline = Date.now() + timeoutMs;
  while (Number((await client.call<{ sync_info: { latest_block_height: string } }>('status')).sync_info.latest_block_height) < height) {
    if (Date.now() > deadline) throw new Error(`${rpc} did not reach height ${height} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface CliValidators {
  validators: { address: string; voting_power: string }[];
}

describe('CosmJS Comet38Client against a 4-validator testnet', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let net: string;
  let nodes: NodeProbe[];
  let http: Comet38Client;
  let ws: Comet38Client;
  /** Each validator's address in CometBFT's form → its power, as `cmt query validators` shows them. */
  let cliPowers: Map<string, bigint>;
  const recipient = `0x${lowerHex(addressOf(testKey(11)))}`;

  beforeAll(async () => {
    dir = await tempDir('compat-testnet');
    net = join(dir.path, 'net');
    const started = await cmt(['testnet', 'start', '--dir', net, '--validators', '4', '--stakes', '400,300,200,100', '--block-time', '100', '--detach'], {}, undefined, 90_000);
    if (started.code !== 0) throw new Error(`cmt testnet start exited ${started.code}: ${started.stderr}`);
    nodes = await cmtJson<NodeProbe[]>(['testnet', 'status', '--dir', net], {});
    const rpc = nodes[1]!.rpc;
    const set = await cmtJson<CliValidators>(['query', 'validators', '--node', rpc], {});
    cliPowers = new Map(set.validators.map((v) => [upperHex(addressBytes(v.address)), BigInt(v.voting_power)]));
    http = Comet38Client.create(new HttpClient(rpc));
    ws = await cosmjsOverWebSocket(rpc.replace(/^http/, 'ws'));
  }, 120_000);

  afterAll(async () => {
    ws?.disconnect();
    // Always stop what was started, also when a test or beforeAll failed half-way.
    if (net) await cmt(['testnet', 'stop', '--dir', net]);
    await dir?.cleanup();
  }, 60_000);

  it('validators and validatorsAll: the 4 validators with the powers the CLI shows, by power descending', async () => {
    expect(cliPowers.size).toBe(4);
    const v = await http.validators({});
    expect(v.total).toBe(4);
    expect(new Map(v.validators.map((x) => [upperHex(x.address), x.votingPower]))).toEqual(cliPowers);
    const powers = v.validators.map((x) => x.votingPower);
    expect([...powers].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(powers);
    const paged = await http.validators({ page: 2, per_page: 3 });
    expect(paged.count).toBe(1);
    expect(paged.total).toBe(4);
    expect(upperHex(paged.validators[0]!.address)).toBe(upperHex(v.validators[3]!.address));
    const all = await ws.validatorsAll();
    expect(new Map(all.validators.map((x) => [upperHex(x.address), x.votingPower]))).toEqual(cliPowers);
  });

  it("commit: every signature's validator address is one of the validators, with more than 2/3 of the power", async () => {
    const s = await http.status();
    const h = s.syncInfo.latestBlockHeight - 1;
    const c = await http.commit(h);
    expect(c.commit.signatures).toHaveLength(4);
    let signed = 0n;
    for (const sig of c.commit.signatures) {
      if (sig.validatorAddress === undefined || sig.validatorAddress.length === 0) continue;
      const power = cliPowers.get(upperHex(sig.validatorAddress));
      expect(power, upperHex(sig.validatorAddress)).toBeDefined();
      signed += power ?? 0n;
    }
    const total = [...cliPowers.values()].reduce((a, b) => a + b, 0n);
    expect(signed * 3n).toBeGreaterThan(total * 2n);
    expect(cliPowers.has(upperHex(c.header.proposerAddress))).toBe(true);
    expect(cliPowers.has(upperHex(s.validatorInfo.address))).toBe(true);
  });

  it('a transfer by `cmt tx send`: NewBlock, NewBlockHeader and Tx events arrive, and txSearch finds it by hash, height and recipient', async () => {
    const txEvent = firstEvent(ws.subscribeTx(`transfer.recipient='${recipient}'`), () => true, 30_000, 'Tx event for the transfer');
    // The first events after the subscription: the transfer's block or one before it.
    const blockEvent = firstEvent(ws.subscribeNewBlock(), () => true, 30_000, 'NewBlock');
    const headerEvent = firstEvent(ws.subscribeNewBlockHeader(), () => true, 30_000, 'NewBlockHeader');
    // Awaited below; marked handled so one that fails while another is awaited is not reported twice.
    for (const pending of [txEvent, blockEvent, headerEvent]) pending.catch(() => undefined);
    const sent = await cmtJson<CliSent>(['tx', 'send', '--home', join(net, 'node0'), '--node', nodes[0]!.rpc, '--from', 'account0', '--to', recipient, '--amount', '5cmt'], {});
    expect(sent.tx_result.code).toBe(0);
    const height = Number(sent.height);

    const tx = await txEvent;
    expect(upperHex(tx.hash)).toBe(sent.hash);
    expect(tx.height).toBe(height);
    expect(tx.result.events.find((e) => e.type === 'transfer')?.attributes).toContainEqual({ key: 'recipient', value: recipient });
    const [block, header] = await Promise.all([blockEvent, headerEvent]);
    expect(block.header.chainId).toBe('cmt-testnet');
    expect(header.height).toBeGreaterThan(0);
    // A block's header event and block event describe the same header.
    const atHeader = await http.block(header.height);
    expect(upperHex(atHeader.block.header.appHash)).toBe(upperHex(header.appHash));
    const txBlock = await http.block(height);
    expect(txBlock.block.txs.length).toBeGreaterThan(0);

    for (const query of [`tx.hash='${sent.hash}'`, `tx.height=${height}`, `transfer.recipient='${recipient}'`]) {
      const found = await http.txSearch({ query });
      expect(found.txs.map((t) => upperHex(t.hash)), query).toContain(sent.hash);
      expect(found.txs.find((t) => upperHex(t.hash) === sent.hash)?.height, query).toBe(height);
    }
    // node2 answers from its own committed state: it must hold the transfer's block.
    await waitForHeight(nodes[2]!.rpc, height, 30_000);
    const balance = await cmtJson<{ balance: string }>(['query', 'account', recipient, '--node', nodes[2]!.rpc], {});
    expect(BigInt(balance.balance)).toBe(5n * ONE_CMT);
  }, 60_000);
});
