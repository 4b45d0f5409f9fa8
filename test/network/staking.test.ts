/**
 * Staking on a testnet of real processes: a new candidate enters the set at an epoch and signs
 * blocks, a stopped validator is jailed and returns after unjail, a candidate that unbonds
 * everything leaves the set and its CMT comes back, and governance changes the block time.
 * Every step goes through the CLI a user would type.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { createTestnet, DEFAULT_TESTNET_STAKE, type TestnetManifest, type TestnetNode } from '../../src/node/testnet-homes.js';
import { freePort, launchNode, rpcUrlOf, stopNode, waitForHeights } from '../../src/cli/testnet-processes.js';
import { RpcClient } from '../../src/rpc/client.js';
import { tempDir } from '../support/temp-dir.js';
import { cmt } from '../support/cli.js';
import { accountForm } from '../../src/cli/validator-address.js';

const FAST = { ...DEFAULT_CONSENSUS_PARAMS, timeouts: { ...DEFAULT_CONSENSUS_PARAMS.timeouts, nextBlockDelay: 150 } };
const EPOCH = 10;
const UNBONDING = 20;
const JAIL = 10;

interface CandidateView {
  total_stake: string;
  status: string;
  role: string;
  jailed_until: string;
}

/** The id in the `proposal_submitted` event of `cmt tx gov submit-proposal -o json`. */
function proposalId(json: string): number {
  const answer = JSON.parse(json) as { tx_result: { events: { type: string; attributes: { key: string; value: string }[] }[] } };
  const event = answer.tx_result.events.find((e) => e.type === 'proposal_submitted');
  return Number(event?.attributes.find((a) => a.key === 'proposal')?.value);
}

/** Polls `probe` until it returns a value, or fails naming what never happened. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('staking on a testnet of real processes', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let net: TestnetManifest;
  let rpc: RpcClient;
  let spare: TestnetNode;
  const address = (name: string): string => net.accounts.find((a) => a.name === name)?.address as string;
  const cli = async (args: string[]): Promise<string> => {
    const res = await cmt([...args, '--home', spare.home, '--node', rpcUrlOf(net.nodes[0] as TestnetNode)]);
    if (res.code !== 0) throw new Error(`cmt ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
    return res.stdout;
  };
  const height = async (): Promise<number> => Number((await rpc.call<{ sync_info: { latest_block_height: string } }>('status')).sync_info.latest_block_height);
  const setAt = async (h?: number): Promise<string[]> =>
    (await rpc.call<{ validators: { address: string }[] }>('validators', h === undefined ? {} : { height: h })).validators.map((v) => accountForm(v.address));
  const candidate = (owner: string): Promise<CandidateView> => rpc.call<CandidateView>('candidate', { address: owner });
  const balance = async (owner: string): Promise<bigint> => BigInt((await rpc.call<{ balance: string }>('account', { address: owner })).balance);

  beforeAll(async () => {
    dir = await tempDir('staking-net');
    net = await createTestnet({
      dir: dir.path,
      validators: 4,
      fullNodes: 1,
      delegators: 2,
      chainId: 'cmt-staking-test',
      freePort,
      consensusParams: FAST,
      stakingParams: { epochBlocks: EPOCH, unbondingBlocks: UNBONDING, signedBlocksWindow: 20, downtimeJailBlocks: JAIL, govVotingBlocks: 40 },
    });
    spare = net.nodes[4] as TestnetNode;
    rpc = new RpcClient(rpcUrlOf(net.nodes[0] as TestnetNode));
    await Promise.all(net.nodes.map((n) => launchNode(n)));
    await waitForHeights(net.nodes, 2, 60_000);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(net.nodes.map((n) => stopNode(n, 'SIGKILL')));
    await dir.cleanup();
  });

  it('a full node declared as a candidate enters the set at the next epoch and its signatures appear in commits', async () => {
    await cli(['tx', 'stake', 'declare', '--from', 'delegator0', '--self-stake', '15000cmt', '--max-stake', '150000cmt', '--name', 'spare']);
    await cli(['tx', 'stake', 'delegate', '--from', 'delegator1', '--candidate', address('delegator0'), '--amount', '5000cmt']);
    expect(await candidate(address('delegator0'))).toMatchObject({ total_stake: (20_000n * 10n ** 18n).toString(), status: 'active' });
    const joinedAt = await until('the spare node in the validator set', async () => ((await setAt()).includes(spare.validatorAddress.toLowerCase()) ? height() : undefined));
    // It was elected at an epoch height H and counts from H + 2.
    const elected = await until('the spare node elected', async () => ((await candidate(address('delegator0'))).role === 'validator' ? true : undefined));
    expect(elected).toBe(true);
    const signedIn = await until('a commit carrying the spare node signature', async () => {
      const h = await height();
      if (h < joinedAt + 2) return undefined;
      const b = await rpc.call<{ block: { last_commit: { signatures: { validator_address: string; block_id_flag: number }[] } } }>('block', { height: h });
      return b.block.last_commit.signatures.some((s) => accountForm(s.validator_address) === spare.validatorAddress.toLowerCase() && s.block_id_flag === 2) ? h : undefined;
    });
    expect(signedIn).toBeGreaterThan(joinedAt);
    const rewards = await until('rewards for the delegator', async () => {
      const r = await rpc.call<{ total: string }>('rewards', { address: address('delegator1') });
      return BigInt(r.total) > 0n ? BigInt(r.total) : undefined;
    });
    expect(rewards).toBeGreaterThan(0n);
  }, 150_000);

  it('a validator stopped long enough is jailed and slashed, and returns to the set after unjail', async () => {
    const victim = net.nodes[1] as TestnetNode;
    const owner = address('account1');
    await stopNode(victim, 'SIGKILL');
    const jailed = await until('the stopped validator jailed', async () => {
      const c = await candidate(owner);
      return c.status === 'jailed' ? c : undefined;
    });
    expect(BigInt(jailed.total_stake)).toBe(DEFAULT_TESTNET_STAKE - DEFAULT_TESTNET_STAKE / 10_000n);
    await until('the jailed validator out of the set', async () => ((await setAt()).includes(victim.validatorAddress.toLowerCase()) ? undefined : true));
    await launchNode(victim);
    await waitForHeights([net.nodes[0] as TestnetNode], Number(jailed.jailed_until), 60_000);
    await cli(['tx', 'stake', 'unjail', '--from', 'account1']);
    expect((await candidate(owner)).status).toBe('active');
    await until('the unjailed validator back in the set', async () => ((await setAt()).includes(victim.validatorAddress.toLowerCase()) ? true : undefined));
  }, 180_000);

  it('a candidate that unbonds everything leaves the set, and the CMT returns after the unbonding period', async () => {
    const owner = address('delegator0');
    const delegator = address('delegator1');
    const before = await balance(delegator);
    await cli(['tx', 'stake', 'unbond', '--from', 'delegator1', '--candidate', owner, '--amount', '5000cmt']);
    await cli(['tx', 'stake', 'unbond', '--from', 'delegator0', '--candidate', owner, '--amount', '15000cmt']);
    const unbonding = await rpc.call<{ unbonding: { completes_at: string }[] }>('unbonding', { address: delegator });
    const completesAt = Number(unbonding.unbonding[0]?.completes_at);
    expect(completesAt).toBeGreaterThan(await height());
    await until('the spare node out of the set', async () => ((await setAt()).includes(spare.validatorAddress.toLowerCase()) ? undefined : true));
    await waitForHeights([net.nodes[0] as TestnetNode], completesAt, 90_000);
    // Its 5,000 CMT are back (less the unbonding transaction's fee, plus rewards paid on unbonding).
    expect((await balance(delegator)) - before).toBeGreaterThan(4_999n * 10n ** 18n);
    expect((await rpc.call<{ unbonding: unknown[] }>('unbonding', { address: delegator })).unbonding).toEqual([]);
  }, 180_000);

  it('a governance proposal that lengthens the block time passes and the block interval changes', async () => {
    const interval = async (blocks: number): Promise<number> => {
      const end = await height();
      await waitForHeights([net.nodes[0] as TestnetNode], end + blocks, 60_000);
      const time = async (h: number) => Date.parse((await rpc.call<{ block: { header: { time: string } } }>('block', { height: h })).block.header.time);
      return ((await time(end + blocks)) - (await time(end))) / blocks;
    };
    const before = await interval(5);
    const submitted = await cli(['tx', 'gov', 'submit-proposal', '--from', 'delegator0', '--title', 'slower blocks', '--param', 'consensus.timeouts.commit_ms=1500', '-o', 'json']);
    const id = proposalId(submitted);
    // Every genesis validator's owner votes yes: all the bonded stake by now.
    const voteYes = (proposal: number) => Promise.all(['account0', 'account1', 'account2', 'account3'].map((owner) => cli(['tx', 'gov', 'vote', '--from', owner, '--proposal', String(proposal), '--option', 'yes'])));
    await voteYes(id);
    await until('the proposal executed', async () => ((await rpc.call<{ status: string }>('proposal', { id: Number(id) })).status === 'executed' ? true : undefined));
    const after = await interval(3);
    expect(after).toBeGreaterThan(before + 1000);
  }, 150_000);

});
