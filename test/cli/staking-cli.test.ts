/**
 * The staking commands of `cmt`: argument checks (no node needed: a bad command line fails
 * before any key is unlocked or node asked), and the staking queries against a devnet node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmt } from '../support/cli.js';
import { startDevnetNode, type DevnetNode } from '../support/devnet-node.js';

const A = '0x' + '11'.repeat(20);
const B = '0x' + '22'.repeat(20);
/** Nothing listens here: a command that got past its argument checks would fail with NODE_UNREACHABLE (exit 1), not 2. */
const NO_NODE = { CMT_NODE: 'http://127.0.0.1:9', CMT_HOME: '/nonexistent/cmt-home' };

describe('cmt tx stake and cmt query: bad arguments', () => {
  it.each([
    [['tx', 'stake', 'update', '--from', 'dev'], /nothing to update/],
    [['tx', 'stake', 'update', '--from', 'dev', '--max-stake', 'lots'], /invalid amount/],
    [['tx', 'stake', 'update', '--from', 'dev', '--max-stake', '0'], /--max-stake must be more than zero/],
    [['tx', 'stake', 'update', '--from', 'dev', '--name', 'x'.repeat(65)], /--name is 65 bytes; at most 64/],
    [['tx', 'stake', 'redelegate', '--from', 'dev', '--from-candidate', A, '--to-candidate', B], /required option '--amount/],
    [['tx', 'stake', 'redelegate', '--from', 'dev', '--from-candidate', '0x12', '--to-candidate', B, '--amount', '10cmt'], /invalid address/],
    [['tx', 'stake', 'redelegate', '--from', 'dev', '--from-candidate', A, '--to-candidate', A, '--amount', '10cmt'], /same candidate/],
    [['tx', 'stake', 'redelegate', '--from', 'dev', '--from-candidate', A, '--to-candidate', B, '--amount', '-5'], /invalid amount/],
    [['tx', 'stake', 'redelegate', '--from', 'dev', '--from-candidate', A, '--to-candidate', B, '--amount', '0cmt'], /more than zero/],
    [['tx', 'stake', 'set-commission', '--from', 'dev'], /exactly one of --commission/],
    [['tx', 'stake', 'set-commission', '--from', 'dev', '--commission', '5%', '--commission-bps', '500'], /exactly one of --commission/],
    [['tx', 'stake', 'set-commission', '--from', 'dev', '--commission', '150%'], /commission must be a percentage/],
    [['tx', 'stake', 'set-commission', '--from', 'dev', '--commission-bps', '10001'], /--commission-bps must be an integer 0..10000/],
    [['tx', 'stake', 'set-commission', '--from', 'dev', '--commission-bps', '5%'], /--commission-bps must be an integer/],
    [['tx', 'stake', 'unjail'], /required option '--from/],
    [['tx', 'stake', 'withdraw-candidacy'], /required option '--from/],
    [['query', 'rewards', 'bob'], /invalid address/],
    [['query', 'unbonding', '0x1234'], /invalid address/],
    [['query', 'rewards'], /missing required argument/],
    [['query', 'params', '-o', 'yaml'], /--output must be "text" or "json"/],
    [['testnet', 'start', '--dir', '/nonexistent/cmt-testnet', '--stakes', '100,abc'], /"abc" in "100,abc" is not a stake/],
    [['testnet', 'start', '--dir', '/nonexistent/cmt-testnet', '--stakes', '100,0'], /at least 1 CMT/],
    [['testnet', 'start', '--dir', '/nonexistent/cmt-testnet', '--validators', '3', '--stakes', '100,100'], /--stakes lists 2 stakes for 3 validators/],
    [['testnet', 'start', '--dir', '/nonexistent/cmt-testnet', '--power-cap', '20000'], /basis points/],
  ])('rejects %j with exit 2', async (args, pattern) => {
    const res = await cmt(args, NO_NODE);
    expect(res.stderr).toMatch(pattern);
    expect(res.code).toBe(2);
  });

  it('gets past the argument checks with good arguments (and then needs a key and a node)', async () => {
    const res = await cmt(['tx', 'stake', 'set-commission', '--from', 'dev', '--commission-bps', '500'], NO_NODE);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/no key named "dev"/);
    const q = await cmt(['query', 'validators'], NO_NODE);
    expect(q.code).toBe(1);
    expect(q.stderr).toMatch(/NODE_UNREACHABLE/);
  });
});

describe('cmt query (staking) against a devnet node', () => {
  let devnet: DevnetNode;
  let env: NodeJS.ProcessEnv;
  let dev: string;

  beforeAll(async () => {
    devnet = await startDevnetNode('staking-cli');
    ({ env, dev } = devnet);
  });
  afterAll(() => devnet?.stop());

  it('shows the validator set and backups as JSON and text', async () => {
    const res = await cmt(['query', 'validators', '-o', 'json'], env);
    expect(res.code, res.stderr).toBe(0);
    const answer = JSON.parse(res.stdout) as { height: string; validators: Record<string, unknown>[]; backups: unknown[] };
    expect(answer.height).toMatch(/^\d+$/);
    expect(Array.isArray(answer.backups)).toBe(true);
    expect(answer.validators.length).toBeGreaterThanOrEqual(1);
    for (const v of answer.validators) {
      expect(v).toMatchObject({ address: expect.stringMatching(/^0x[0-9a-f]{40}$/), voting_power: expect.stringMatching(/^\d+$/), pub_key: { type: 'tendermint/PubKeyEd25519' } });
      expect(Object.keys(v).sort()).toEqual(['address', 'commission_bps', 'name', 'owner', 'pub_key', 'self_stake', 'signing_info', 'status', 'total_stake', 'voting_power']);
    }
    const text = await cmt(['query', 'validators'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^height \d+: \d+ validator\(s\), \d+ backup\(s\)/);
  });

  it('shows staking and consensus parameters', async () => {
    const res = await cmt(['query', 'params', '-o', 'json'], env);
    expect(res.code, res.stderr).toBe(0);
    const answer = JSON.parse(res.stdout) as { staking: Record<string, unknown>; consensus: Record<string, unknown>; app: Record<string, unknown> };
    expect(answer.staking).toMatchObject({ maxValidators: expect.any(Number), minDelegation: expect.stringMatching(/^\d+$/), unbondingBlocks: expect.any(Number), govDeposit: expect.stringMatching(/^\d+$/) });
    expect(answer.consensus).toMatchObject({ block_max_bytes: expect.any(Number), timeouts: expect.objectContaining({ commit_ms: 100 }) });
    expect(answer.app).toMatchObject({ min_gas_price: expect.stringMatching(/^\d+$/) });
    const text = await cmt(['query', 'params'], env);
    expect(text.stdout).toMatch(/staking\.minDelegation:\s+\d+(\.\d+)? CMT/);
    expect(text.stdout).toMatch(/staking\.inflationBps:\s+\d+ bps \(\d+(\.\d+)?%\)/);
    expect(text.stdout).toMatch(/consensus\.timeouts\.commit_ms:\s+100/);
  });

  it('answers rewards and unbonding for an address without stake, and rejects a bad one over RPC', async () => {
    const rewards = JSON.parse((await cmt(['query', 'rewards', dev, '-o', 'json'], env)).stdout) as unknown;
    expect(rewards).toEqual({ address: dev, rewards: [], total: '0' });
    expect((await cmt(['query', 'rewards', dev], env)).stdout).toMatch(/no rewards/);
    const unbonding = JSON.parse((await cmt(['query', 'unbonding', dev, '-o', 'json'], env)).stdout) as unknown;
    expect(unbonding).toEqual({ delegator: dev, unbonding: [], redelegations: [], total_unbonding: '0' });
    const bad = await fetch(`${devnet.node.rpcUrl}/unbonding?address=0x12`);
    const body = (await bad.json()) as { error?: { code: number } };
    expect(body.error?.code).toBe(-32602);
    const params = (await (await fetch(`${devnet.node.rpcUrl}/staking_params`)).json()) as { result: Record<string, unknown> };
    expect(params.result).toMatchObject({ maxValidators: expect.any(Number), minDelegation: expect.stringMatching(/^\d+$/) });
  });

  it('refuses candidate transactions from an address that never declared, with a clear error', async () => {
    const update = await cmt(['tx', 'stake', 'update', '--from', 'dev', '--name', 'renamed'], env);
    expect(update.code).toBe(1);
    expect(update.stderr).toMatch(/has not declared candidacy.*\[NOT_A_CANDIDATE\]/);
    const withdraw = await cmt(['tx', 'stake', 'withdraw-candidacy', '--from', 'dev'], env);
    expect(withdraw.code).toBe(1);
    expect(withdraw.stderr).toMatch(/NOT_A_CANDIDATE/);
    const unjail = await cmt(['tx', 'stake', 'unjail', '--from', 'dev'], env);
    expect(unjail.code).toBe(1);
    expect(unjail.stderr).toMatch(/NOT_A_CANDIDATE/);
    const moved = await cmt(['tx', 'stake', 'redelegate', '--from', 'dev', '--from-candidate', A, '--to-candidate', B, '--amount', '10cmt'], env);
    expect(moved.code).toBe(1);
    expect(moved.stderr).toMatch(/UNKNOWN_CANDIDATE/);
  });
});
