/**
 * The governance commands of `cmt`: argument checks (no node needed: a bad command line fails
 * before any key is unlocked or node asked), and a proposal submitted, voted on and queried on
 * a devnet node whose `dev` key owns the only validator's candidacy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import { cmt } from '../support/cli.js';
import { startDevnetNode, type DevnetNode } from '../support/devnet-node.js';

const A = '0x' + '11'.repeat(20);
/** Nothing listens here: a command that got past its argument checks would fail with NODE_UNREACHABLE (exit 1), not 2. */
const NO_NODE = { CMT_NODE: 'http://127.0.0.1:9', CMT_HOME: '/nonexistent/cmt-home' };
const SUBMIT = ['tx', 'gov', 'submit-proposal', '--from', 'dev', '--title', 'T'];

describe('cmt tx gov and cmt query proposal(s): bad arguments', () => {
  it.each([
    [SUBMIT, /nothing to propose/],
    [[...SUBMIT, '--param', 'staking.epochBlocks=12', '--spend-to', A, '--spend-amount', '1cmt'], /one kind of change/],
    [[...SUBMIT, '--param', 'staking.epochBlocks'], /--param must be NAME=VALUE/],
    [[...SUBMIT, '--param', '=12'], /--param must be NAME=VALUE/],
    [[...SUBMIT, '--param', 'staking.epochBlocks=twelve'], /not a decimal integer/],
    [[...SUBMIT, '--param', 'staking.epochBlocks=012'], /not a decimal integer/],
    [[...SUBMIT, '--param', 'staking.noSuchField=1'], /unknown parameter "staking.noSuchField"/],
    [[...SUBMIT, '--param', 'staking.epochBlocks=12', '--param', 'staking.epochBlocks=13'], /given twice/],
    [[...SUBMIT, '--param', 'staking.inflationBps=10001'], /out of range \[0, 10000\]/],
    [[...SUBMIT, '--spend-to', A], /needs both --spend-to and --spend-amount/],
    [[...SUBMIT, '--spend-to', '0x12', '--spend-amount', '1cmt'], /invalid address/],
    [[...SUBMIT, '--spend-to', A, '--spend-amount', '0'], /--spend-amount must be more than zero/],
    [[...SUBMIT, '--param', 'staking.epochBlocks=12', '--deposit', 'lots'], /invalid amount/],
    [[...SUBMIT, '--param', 'staking.epochBlocks=12', '--effective-height', '-3'], /positive integer/],
    [['tx', 'gov', 'submit-proposal', '--from', 'dev', '--title', '  ', '--param', 'staking.epochBlocks=12'], /--title must not be blank/],
    [['tx', 'gov', 'submit-proposal', '--from', 'dev', '--param', 'staking.epochBlocks=12'], /required option '--title/],
    [['tx', 'gov', 'submit-proposal', '--from', 'dev', '--title', 'x'.repeat(141), '--param', 'staking.epochBlocks=12'], /--title is 141 bytes; at most 140/],
    [['tx', 'gov', 'vote', '--from', 'dev', '--proposal', '1', '--option', 'maybe'], /--option must be one of yes, no, abstain/],
    [['tx', 'gov', 'vote', '--from', 'dev', '--proposal', 'one', '--option', 'yes'], /positive integer/],
    [['tx', 'gov', 'vote', '--from', 'dev', '--proposal', '0', '--option', 'yes'], /positive integer/],
    [['tx', 'gov', 'vote', '--from', 'dev', '--option', 'yes'], /required option '--proposal/],
    [['query', 'proposal', 'abc'], /positive integer/],
    [['query', 'proposals', '--status', 'pending'], /--status must be one of voting/],
  ])('rejects %j with exit 2', async (args, pattern) => {
    const res = await cmt(args, NO_NODE);
    expect(res.stderr).toMatch(pattern);
    expect(res.code).toBe(2);
  });

  it('gets past the argument checks with good arguments (and then needs a key and a node)', async () => {
    for (const args of [
      [...SUBMIT, '--param', 'staking.epochBlocks=12', '--param', 'app.min_gas_price=0'],
      [...SUBMIT, '--spend-to', A, '--spend-amount', '5cmt', '--deposit', '100cmt', '--effective-height', '500'],
      ['tx', 'gov', 'vote', '--from', 'dev', '--proposal', '3', '--option', 'Abstain'],
    ]) {
      const res = await cmt(args, NO_NODE);
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toMatch(/no key named "dev"/);
    }
    const q = await cmt(['query', 'proposals'], NO_NODE);
    expect(q.code).toBe(1);
    expect(q.stderr).toMatch(/NODE_UNREACHABLE/);
  });
});

interface TallyJson {
  yes: string;
  no: string;
  abstain: string;
  bonded: string;
}

interface ProposalJson {
  id: number;
  status: string;
  title: string;
  proposer: string;
  change: unknown;
  deposit: string;
  votingEndHeight: number;
  effectiveHeight: number;
  current_tally: TallyJson;
  votes?: { voter: string; option: string }[];
}

describe('cmt tx gov against a devnet node with staking', () => {
  const SELF_STAKE = 1_000n * ONE_CMT;
  let devnet: DevnetNode;
  let env: NodeJS.ProcessEnv;
  let dev: string;

  beforeAll(async () => {
    // Half-second blocks: the 20-block voting period (LOCAL_STAKING_PARAMS) lasts about 10 s.
    devnet = await startDevnetNode('gov-cli', { balance: 10_000n * ONE_CMT, selfStake: SELF_STAKE, commitMs: 500 });
    ({ env, dev } = devnet);
  });
  afterAll(() => devnet?.stop());

  it('submits a parameter proposal, votes yes with the validator, shows the live tally, and executes it', async () => {
    expect((await cmt(['query', 'proposals'], env)).stdout).toMatch(/no proposals/);

    const submitted = await cmt(['tx', 'gov', 'submit-proposal', '--from', 'dev', '--title', 'Longer epochs', '--description', 'twelve blocks', '--param', 'staking.epochBlocks=12'], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = Number(/submitted proposal (\d+) /.exec(submitted.stdout)?.[1]);
    expect(id).toBe(1);
    expect(submitted.stdout).toMatch(/deposit of 100 CMT; voting ends at height \d+, effective at height \d+/);

    const voted = await cmt(['tx', 'gov', 'vote', '--from', 'dev', '--proposal', String(id), '--option', 'yes'], env);
    expect(voted.code, voted.stderr).toBe(0);
    expect(voted.stdout).toMatch(/voted yes on proposal 1/);

    const shown = await cmt(['query', 'proposal', String(id), '-o', 'json'], env);
    expect(shown.code, shown.stderr).toBe(0);
    const p = JSON.parse(shown.stdout) as ProposalJson;
    expect(p).toMatchObject({
      id,
      status: 'voting',
      title: 'Longer epochs',
      proposer: dev,
      deposit: (100n * ONE_CMT).toString(),
      change: { type: 'params', changes: [{ name: 'staking.epochBlocks', value: '12' }] },
      current_tally: { yes: SELF_STAKE.toString(), no: '0', abstain: '0', bonded: SELF_STAKE.toString() },
      votes: [{ voter: dev, option: 'yes' }],
    });
    expect(p.effectiveHeight).toBe(p.votingEndHeight);

    const text = await cmt(['query', 'proposal', String(id)], env);
    expect(text.stdout).toMatch(/tally \(live\):\s+yes 1000 CMT, no 0 CMT, abstain 0 CMT of 1000 CMT bonded/);
    expect(text.stdout).toMatch(/change:\s+staking\.epochBlocks=12/);
    const list = await cmt(['query', 'proposals'], env);
    expect(list.stdout.trim()).toMatch(/^id\s+status\s+title\s+voting end\s+effective\s+yes \/ no \/ abstain\n1\s+(voting|passed|executed)\s+Longer epochs\s+\d+\s+\d+\s+1000 CMT \/ 0 CMT \/ 0 CMT$/);
    // The status filter: by the time the list is asked, voting may have ended (a busy machine
    // runs these commands slowly while the chain goes on), so filter by the status it has then.
    let filtered = false;
    for (let attempt = 0; attempt < 3 && !filtered; attempt++) {
      const status = (JSON.parse((await cmt(['query', 'proposal', String(id), '-o', 'json'], env)).stdout) as ProposalJson).status;
      const listed = JSON.parse((await cmt(['query', 'proposals', '--status', status, '-o', 'json'], env)).stdout) as ProposalJson[];
      filtered = listed.length === 1 && listed[0]?.id === id;
    }
    expect(filtered, 'proposals --status <its status> lists the proposal alone').toBe(true);

    // RPC errors: unknown id is not-found (as `candidate`), a malformed one invalid params.
    const unknown = (await (await fetch(`${devnet.node.rpcUrl}/proposal?id=99`)).json()) as { error?: { code: number } };
    expect(unknown.error?.code).toBe(-32001);
    const malformed = (await (await fetch(`${devnet.node.rpcUrl}/proposal?id=x`)).json()) as { error?: { code: number } };
    expect(malformed.error?.code).toBe(-32602);
    const badStatus = (await (await fetch(`${devnet.node.rpcUrl}/proposals?status=bogus`)).json()) as { error?: { code: number } };
    expect(badStatus.error?.code).toBe(-32602);

    // The end of voting: poll (about a block every half second) until the proposal is settled.
    const deadline = Date.now() + 45_000;
    let final: ProposalJson = p;
    while (final.status === 'voting' || final.status === 'passed') {
      expect(Date.now(), `proposal still ${final.status} at the deadline`).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 250));
      final = JSON.parse((await cmt(['query', 'proposal', String(id), '-o', 'json'], env)).stdout) as ProposalJson;
    }
    expect(final.status).toBe('executed');
    expect(final.current_tally).toEqual({ yes: SELF_STAKE.toString(), no: '0', abstain: '0', bonded: SELF_STAKE.toString() });
    const params = (await (await fetch(`${devnet.node.rpcUrl}/staking_params`)).json()) as { result: { epochBlocks: number } };
    expect(params.result.epochBlocks).toBe(12);
  }, 90_000);
});
