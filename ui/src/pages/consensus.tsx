/**
 * One node's consensus rounds for the current height: height/round/step, the proposer, the lock
 * and valid value, and every validator's prevote and precommit per round.
 */
import type { JSX } from 'preact';
import { VoteGridTable } from '../components/vote-grid';
import { ErrorNote, Hash, KeyValues, Loading, Section } from '../components/ui';
import { missing, voteGrid } from '../consensus/grid';
import { genesisNames } from '../consensus/names';
import { parseDumpConsensusState, type RoundState } from '../consensus/round-state';
import { readStatus } from '../network/node-info';
import { selfNode, useRoster, type RosterNode } from '../network/use-roster';
import { navigate } from '../router';
import { rpcCall, selfBase } from '../rpc/cmt';
import { usePoll } from '../rpc/poll';

const POLL_MS = 600;
const TIMEOUT_MS = 1500;

/**
 * Validator address → name: the genesis's names, overlaid by each roster node's
 * status.validator_info. Kept for the page's life, so a node that went down keeps its name.
 */
const learned = new Map<string, string>();
let genesisRead = false;

async function validatorNames(rpc: string, nodes: RosterNode[]): Promise<Map<string, string>> {
  if (!genesisRead) {
    try {
      for (const [address, name] of genesisNames(await rpcCall<unknown>(rpc, 'genesis', {}, TIMEOUT_MS))) if (!learned.has(address)) learned.set(address, name);
      genesisRead = true;
    } catch {
      // No genesis from this node now: the roster's names still come, and the next poll retries.
    }
  }
  const answers = await Promise.allSettled(nodes.map((n) => rpcCall<unknown>(n.rpc, 'status', {}, TIMEOUT_MS)));
  answers.forEach((a, i) => {
    const node = nodes[i];
    if (a.status !== 'fulfilled' || !node) return;
    const s = readStatus(a.value);
    if (!(s instanceof Error) && s.validatorAddress && s.votingPower > 0) learned.set(s.validatorAddress, node.name);
  });
  return new Map(learned);
}

async function loadRoundState(rpc: string): Promise<RoundState> {
  const parsed = parseDumpConsensusState(await rpcCall<unknown>(rpc, 'dump_consensus_state', {}, TIMEOUT_MS));
  if (parsed instanceof Error) throw parsed;
  return parsed;
}

function NodePicker({ nodes, current }: { nodes: RosterNode[]; current: string }): JSX.Element {
  return (
    <label class="node-picker">
      <small>Node</small>
      <select data-testid="consensus-node" value={current} onChange={(e) => navigate('consensus', undefined, { node: (e.target as HTMLSelectElement).value })}>
        {nodes.some((n) => n.rpc === current) ? null : (
          <option value={current} disabled>
            choose a node
          </option>
        )}
        {nodes.map((n) => (
          <option value={n.rpc}>
            {n.name} ({n.rpc})
          </option>
        ))}
      </select>
    </label>
  );
}

function roundLabel(round: number): string {
  return round < 0 ? 'none' : `round ${round}`;
}

function Lock({ state }: { state: RoundState }): JSX.Element {
  const value = (round: number, hash: string, testid: string): JSX.Element =>
    round < 0 || !hash ? (
      <span data-testid={testid} data-round={round}>
        none
      </span>
    ) : (
      <span data-testid={testid} data-round={round}>
        <Hash value={hash} /> in {roundLabel(round)}
      </span>
    );
  return (
    <div data-testid="lock" data-locked-round={state.lockedRound} data-valid-round={state.validRound}>
      <KeyValues
        rows={[
          ['Locked', value(state.lockedRound, state.lockedBlockHash, 'locked')],
          ['Valid', value(state.validRound, state.validBlockHash, 'valid')],
        ]}
      />
    </div>
  );
}

/** Steps in which a missing prevote, or precommit, is being waited for. */
const PRECOMMITTING = new Set(['Precommit', 'PrecommitWait', 'Commit']);
const PREVOTING = new Set(['Prevote', 'PrevoteWait', ...PRECOMMITTING]);

function Missing({ state, names }: { state: RoundState; names: Map<string, string> }): JSX.Element | null {
  const grid = voteGrid(state);
  const lines = grid.columns
    .map((c, i) => ({ c, who: missing(grid, i) }))
    .filter(({ c, who }) => c.round === state.round && who.length > 0 && (c.kind === 'prevote' ? PREVOTING : PRECOMMITTING).has(state.step));
  if (lines.length === 0 || state.validators.length === 0) return null;
  return (
    <div class="consensus-missing" data-testid="missing-votes">
      {lines.map(({ c, who }) => (
        <div data-type={c.kind}>
          <small>
            No {c.kind} yet in round {c.round} from:{' '}
          </small>
          <span class="who-missing">{who.map((v) => names.get(v.address) ?? v.address.slice(0, 12)).join(', ')}</span>
        </div>
      ))}
    </div>
  );
}

/** Who signed the previous height's block and who did not: readable between the heights' rounds. */
function LastCommitLine({ state, names }: { state: RoundState; names: Map<string, string> }): JSX.Element | null {
  const c = state.lastCommit;
  if (!c || c.validators.length === 0) return null;
  const total = c.validators.reduce((sum, v) => sum + v.power, 0);
  const signed = c.validators.filter((_, i) => c.slots[i]?.vote === 'block');
  const power = signed.reduce((sum, v) => sum + v.power, 0);
  const absent = c.validators.filter((_, i) => c.slots[i]?.vote !== 'block');
  return (
    <div class="consensus-missing" data-testid="last-commit" data-height={c.height} data-round={c.round} data-signed={signed.length}>
      <small>
        Last commit (height {c.height}, round {c.round}): {signed.length} of {c.validators.length} validators signed the block ({total === 0 ? 0 : Math.floor((power * 100) / total)}% of the power)
        {absent.length > 0 ? '; without: ' : '.'}
      </small>
      {absent.map((v, i) => (
        <>
          {i > 0 ? ', ' : ''}
          <span class="who-missing" data-testid="last-commit-absent" data-validator={v.address} title={c.slots[c.validators.indexOf(v)]?.vote === 'nil' ? 'precommitted nil' : 'no precommit'}>
            {names.get(v.address) ?? v.address.slice(0, 12)}
          </span>
        </>
      ))}
    </div>
  );
}

function RoundView({ state, names }: { state: RoundState; names: Map<string, string> }): JSX.Element {
  const grid = voteGrid(state);
  const proposerName = state.proposer ? names.get(state.proposer) : undefined;
  return (
    <>
      <div class="consensus-head">
        <div class="stat">
          <small>Height</small>
          <span class="big" data-testid="consensus-height">
            {state.height}
          </span>
        </div>
        <div class="stat">
          <small>Round</small>
          <span class="big" data-testid="consensus-round">
            {state.round}
          </span>
        </div>
        <div class="stat">
          <small>Step</small>
          <span class="big" data-testid="consensus-step">
            {state.step}
          </span>
        </div>
        <div class="stat">
          <small>Proposer</small>
          <span data-testid="proposer" data-address={state.proposer ?? ''}>
            {state.proposer ? (
              <>
                <strong>{proposerName ?? ''}</strong> <Hash value={state.proposer} keep={6} />
              </>
            ) : (
              'none yet'
            )}
          </span>
          <small>Proposal</small>
          <span data-testid="proposal">{state.proposalBlockHash ? <Hash value={state.proposalBlockHash} /> : 'none yet'}</span>
        </div>
        <div class="stat">
          <Lock state={state} />
        </div>
      </div>
      <VoteGridTable grid={grid} height={state.height} currentRound={state.round} names={names} proposer={state.proposer} />
      <p class="legend">
        <span class="vote-block">block</span>
        <span class="vote-nil">nil</span>
        <span class="vote-none">no vote yet</span>
        <small>polka / commit: more than 2/3 of the power voted for one block.</small>
      </p>
      <Missing state={state} names={names} />
      <LastCommitLine state={state} names={names} />
    </>
  );
}

export function ConsensusPage({ query }: { arg: string; query: URLSearchParams }): JSX.Element {
  const roster = useRoster();
  if (!roster.nodes) return <Loading what="the network" />;
  const nodes = roster.nodes;
  const asked = query.get('node');
  const self = selfNode(nodes)?.rpc ?? selfBase();
  // Only nodes of this network (or the page's own): a link cannot point the page at any URL.
  const known = [...nodes.map((n) => n.rpc), selfBase()];
  const rpc = asked ?? self;
  const choices = nodes.some((n) => n.rpc === self) ? nodes : [{ name: 'this node', rpc: self }, ...nodes];
  return (
    <Section title="Consensus rounds" testid="consensus" actions={<NodePicker nodes={choices} current={rpc} />}>
      {known.includes(rpc) ? <NodeRounds rpc={rpc} nodes={nodes} /> : <ErrorNote error={new Error(`${rpc} is not a node of this network`)} />}
    </Section>
  );
}

function NodeRounds({ rpc, nodes }: { rpc: string; nodes: RosterNode[] }): JSX.Element {
  const polled = usePoll(() => loadRoundState(rpc), POLL_MS, [rpc]);
  const names = usePoll(() => validatorNames(rpc, nodes), 5000, [rpc, nodes.map((n) => n.rpc).join(' ')]);
  return (
    <>
      {polled.error ? <ErrorNote error={new Error(`${rpc}: ${polled.error.message}${polled.data ? ' (showing the last answer)' : ''}`)} /> : null}
      {polled.data ? <RoundView state={polled.data} names={names.data ?? new Map()} /> : polled.error ? null : <Loading what="the round state" />}
    </>
  );
}
