/**
 * The `cmt` command end to end: real node processes over loopback, the CLI as a separate
 * process, as a user types it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import { spawnNode, type NodeProcess } from '../../src/cli/node-process.js';
import { initHome } from '../../src/node/init-home.js';
import { cmt } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

describe('cmt against a running node', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let node: NodeProcess;
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = await tempDir('cli');
    home = join(dir.path, 'devnet');
    await initHome({ home, chainId: 'cmt-devnet', devKey: { name: 'dev', balance: 3_000n * ONE_CMT }, consensusParams: { timeouts: { nextBlockDelay: 100 } }, config: (c) => ({ ...c, rpc: { ...c.rpc, port: 0 }, p2p: { ...c.p2p, port: 0 } }) });
    node = await spawnNode({ home });
    env = { CMT_HOME: home, CMT_NODE: node.rpcUrl };
  });
  afterAll(async () => {
    await node.stop();
    await dir.cleanup();
  });

  it('adds a key, sends it 5 CMT from dev, and shows the balance, also with a verified proof', async () => {
    const added = await cmt(['keys', 'add', 'bob', '-o', 'json'], { ...env, CMT_PASSPHRASE: 'correct horse battery' });
    expect(added.code, added.stderr).toBe(0);
    const bob = (JSON.parse(added.stdout) as { address: string }).address;
    const sent = await cmt(['tx', 'send', '--from', 'dev', '--to', bob, '--amount', '5cmt'], env);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/hash:\s+[0-9A-F]{64}/);
    expect(sent.stdout).toMatch(/height:\s+\d+/);
    const shown = await cmt(['query', 'account', bob, '-o', 'json'], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({ balance: (5n * ONE_CMT).toString() });
    const text = await cmt(['query', 'account', bob], env);
    expect(text.stdout).toMatch(/balance:\s+5 CMT/);
    const proven = await cmt(['query', 'account', bob, '--prove'], env);
    expect(proven.code, proven.stderr).toBe(0);
    expect(proven.stdout).toMatch(/proof:\s+verified against the app hash of block \d+/);
  });

  it('sends from a passphrase-protected key with --passphrase-file and refuses a wrong passphrase', async () => {
    const pw = join(dir.path, 'pw.txt');
    await writeFile(pw, 'another good phrase\n');
    expect((await cmt(['keys', 'add', 'carol', '--passphrase-file', pw], env)).code).toBe(0);
    const carol = (await cmt(['keys', 'show', 'carol', '-a'], env)).stdout.trim();
    expect((await cmt(['tx', 'send', '--from', 'dev', '--to', carol, '--amount', '1cmt'], env)).code).toBe(0);
    const ok = await cmt(['tx', 'send', '--from', 'carol', '--to', carol, '--amount', '0.25cmt', '--passphrase-file', pw], env);
    expect(ok.code, ok.stderr).toBe(0);
    const wrong = await cmt(['tx', 'send', '--from', 'carol', '--to', carol, '--amount', '1', '-o', 'json'], { ...env, CMT_PASSPHRASE: 'nope nope nope' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/wrong passphrase.*\[WRONG_PASSPHRASE\]/);
  });

  it('fails clearly, with a non-zero exit, when the transaction cannot be accepted', async () => {
    const broke = await cmt(['keys', 'add', 'broke', '-o', 'json'], { ...env, CMT_PASSPHRASE: 'broke broke broke' });
    const addr = (JSON.parse(broke.stdout) as { address: string }).address;
    const res = await cmt(['tx', 'send', '--from', 'broke', '--to', addr, '--amount', '1cmt'], { ...env, CMT_PASSPHRASE: 'broke broke broke' });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/INSUFFICIENT_FUNDS/);
    const tooMuch = await cmt(['tx', 'send', '--from', 'dev', '--to', addr, '--amount', '5000cmt'], env);
    expect(tooMuch.code).toBe(1);
    expect(tooMuch.stderr).toMatch(/insufficient funds/i);
  });

  it('declares candidacy for the node, delegates, unbonds and withdraws rewards with cmt tx stake', async () => {
    const dev = (await cmt(['keys', 'show', 'dev', '-a'], env)).stdout.trim();
    const declared = await cmt(['tx', 'stake', 'declare', '--from', 'dev', '--self-stake', '1000cmt', '--max-stake', '2000cmt', '--commission', '5%', '--name', 'dev node', '-o', 'json'], env);
    expect(declared.code, declared.stderr).toBe(0);
    const hash = (JSON.parse(declared.stdout) as { hash: string }).hash;
    const found = JSON.parse((await cmt(['query', 'tx', hash, '-o', 'json'], env)).stdout) as { tx_result: { events: { type: string }[] } };
    expect(found.tx_result.events.map((e) => e.type)).toContain('declareCandidacy');
    const again = await cmt(['tx', 'stake', 'declare', '--from', 'dev', '--self-stake', '1000cmt', '--max-stake', '2000cmt'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/CANDIDATE_EXISTS/);
    expect((await cmt(['tx', 'stake', 'delegate', '--from', 'dev', '--candidate', dev, '--amount', '500cmt'], env)).code).toBe(0);
    const over = await cmt(['tx', 'stake', 'delegate', '--from', 'dev', '--candidate', dev, '--amount', '600cmt'], env);
    expect(over.stderr).toMatch(/ABOVE_MAX_STAKE/);
    const unbonded = await cmt(['tx', 'stake', 'unbond', '--from', 'dev', '--candidate', dev, '--amount', '100cmt'], env);
    expect(unbonded.code, unbonded.stderr).toBe(0);
    expect(unbonded.stdout).toMatch(/unbonding 100 CMT/);
    expect((await cmt(['tx', 'stake', 'withdraw-rewards', '--from', 'dev', '--candidate', dev], env)).code).toBe(0);
    const listed = JSON.parse((await cmt(['query', 'candidates', '-o', 'json'], env)).stdout) as { owner: string; total_stake: string; name: string }[];
    expect(listed).toEqual([expect.objectContaining({ owner: dev, total_stake: (1400n * ONE_CMT).toString(), name: 'dev node' })]);
    const one = await cmt(['query', 'candidate', dev], env);
    expect(one.stdout).toMatch(/total stake:\s+1,?400 CMT/);
    expect(one.stdout).toMatch(/commission:\s+5%/);
    const mine = JSON.parse((await cmt(['query', 'delegations', dev, '-o', 'json'], env)).stdout) as { delegations: { stake: string; unbonding: { amount: string }[] }[] };
    expect(mine.delegations[0]).toMatchObject({ stake: (1400n * ONE_CMT).toString(), unbonding: [{ amount: (100n * ONE_CMT).toString() }] });
    const none = await cmt(['query', 'candidate', '0x' + '22'.repeat(20)], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/not a candidate/);
    const unknown = await cmt(['tx', 'stake', 'delegate', '--from', 'dev', '--candidate', '0x' + '11'.repeat(20), '--amount', '1000cmt'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/UNKNOWN_CANDIDATE/);
    const badRate = await cmt(['tx', 'stake', 'declare', '--from', 'dev', '--self-stake', '1cmt', '--max-stake', '1cmt', '--commission', '150%'], env);
    expect(badRate.code).toBe(2);
    expect(badRate.stderr).toMatch(/commission/);
    // Seventeen cmt processes in a row: each loads Node and the CLI, over a second on a busy machine.
  }, 60_000);

  it('shows blocks, transactions and status, as text and JSON', async () => {
    const bob = (await cmt(['keys', 'show', 'bob', '-a'], env)).stdout.trim();
    const sent = await cmt(['tx', 'send', '--from', 'dev', '--to', bob, '--amount', '1', '-o', 'json'], env);
    const { hash, height } = JSON.parse(sent.stdout) as { hash: string; height: string };
    const tx = await cmt(['query', 'tx', hash], env);
    expect(tx.stdout).toMatch(/status:\s+success/);
    const block = JSON.parse((await cmt(['query', 'block', height, '-o', 'json'], env)).stdout) as { block: { data: { txs: string[] } } };
    expect(block.block.data.txs.length).toBeGreaterThanOrEqual(1);
    const status = await cmt(['status'], env);
    expect(status.stdout).toMatch(/chain id:\s+cmt-devnet/);
  });

  it.each([
    [['tx', 'send', '--from', 'dev', '--to', '0x123', '--amount', '1cmt'], 2, /invalid address/],
    [['tx', 'send', '--from', 'dev', '--to', '0x' + '1'.repeat(40), '--amount', 'lots'], 2, /invalid amount/],
    [['tx', 'send', '--from', 'dev', '--to', '0x' + '1'.repeat(40)], 2, /required option '--amount/],
    [['query', 'account', 'bob'], 2, /invalid address/],
    [['query', 'block', '-1'], 2, /unknown option|non-negative integer/],
    [['query', 'tx', 'abcd'], 2, /32 bytes/],
    [['start', '--rpc-port', 'eighty'], 2, /non-negative integer/],
    [['frobnicate'], 2, /unknown command/],
    [['keys', 'show', 'nobody'], 1, /no key named "nobody"/],
    [['keys', 'add', '../evil'], 2, /invalid key name/],
  ])('rejects %j with exit %i', async (args, code, pattern) => {
    const res = await cmt(args, env);
    expect(res.code).toBe(code);
    expect(res.stderr).toMatch(pattern);
  });

  it('says clearly when the node cannot be reached', async () => {
    const res = await cmt(['status', '--node', 'http://127.0.0.1:9'], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/cannot reach the node.*\[NODE_UNREACHABLE\]/);
  });

  it('exports and imports keys between homes', async () => {
    const exported = await cmt(['keys', 'export', 'dev'], env);
    const file = join(dir.path, 'dev.json');
    await writeFile(file, exported.stdout);
    const otherHome = join(dir.path, 'other');
    const imported = await cmt(['keys', 'import', 'dev2', file, '--home', otherHome], env);
    expect(imported.code, imported.stderr).toBe(0);
    const original = JSON.parse(await readFile(join(home, 'keys', 'dev.json'), 'utf8')) as { address: string };
    expect((await cmt(['keys', 'show', 'dev2', '-a', '--home', otherHome], env)).stdout.trim()).toBe(original.address);
  });
});

describe('durability of committed blocks', () => {
  it('loses no committed block after kill -9, and continues with the same app hash', async () => {
    const dir = await tempDir('kill9');
    try {
      await initHome({ home: dir.path, chainId: 'cmt-devnet', devKey: { name: 'dev', balance: 1_000n * ONE_CMT }, consensusParams: { timeouts: { nextBlockDelay: 20 } }, config: (c) => ({ ...c, rpc: { ...c.rpc, port: 0 }, p2p: { ...c.p2p, port: 0 } }) });
      let node = await spawnNode({ home: dir.path });
      const env = { CMT_HOME: dir.path, CMT_NODE: node.rpcUrl };
      const sent = await cmt(['tx', 'send', '--from', 'dev', '--to', '0x' + '2'.repeat(40), '--amount', '3cmt', '-o', 'json'], env);
      expect(sent.code, sent.stderr).toBe(0);
      const { height } = JSON.parse(sent.stdout) as { height: string };
      const before = JSON.parse((await cmt(['status', '-o', 'json'], env)).stdout) as { sync_info: { latest_block_height: string } };
      await node.kill();
      node = await spawnNode({ home: dir.path });
      const env2 = { ...env, CMT_NODE: node.rpcUrl };
      const after = JSON.parse((await cmt(['status', '-o', 'json'], env2)).stdout) as { sync_info: { latest_block_height: string } };
      expect(Number(after.sync_info.latest_block_height)).toBeGreaterThanOrEqual(Number(before.sync_info.latest_block_height));
      const account = JSON.parse((await cmt(['query', 'account', '0x' + '2'.repeat(40), '-o', 'json'], env2)).stdout) as { balance: string };
      expect(account.balance).toBe((3n * ONE_CMT).toString());
      const block = await cmt(['query', 'block', height], env2);
      expect(block.code).toBe(0);
      await node.stop();
    } finally {
      await dir.cleanup();
    }
    // Two node starts and five cmt processes: each loads Node and the CLI, seconds on a busy machine.
  }, 60_000);
});
