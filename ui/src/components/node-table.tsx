/** The network's nodes, one row each: live values, or the last known ones greyed when a node is down. */
import type { JSX } from 'preact';
import { ago, isoTime, shortHash } from '../format';
import { href } from '../router';
import { initialLiveness, type Liveness } from '../network/liveness';
import type { NodeSnapshot } from '../network/node-info';
import { heightsBehind, isBehind } from '../network/summary';
import type { RosterNode } from '../network/use-roster';
import { Badge } from './ui';
import '../network/network.css';

function StatusBadge({ live, behind }: { live: Liveness<NodeSnapshot>; behind: boolean }): JSX.Element {
  if (live.status === 'down') return <Badge tone="bad" title={live.error}>down</Badge>;
  if (live.status === 'unknown') return <Badge tone="muted">connecting</Badge>;
  if (live.last?.catchingUp) return <Badge tone="warn">catching up</Badge>;
  if (behind) return <Badge tone="warn">behind</Badge>;
  return <Badge tone="ok">up</Badge>;
}

function Row({ node, live, maxHeight, now }: { node: RosterNode; live: Liveness<NodeSnapshot>; maxHeight: number; now: number }): JSX.Element {
  const s = live.last;
  const behind = s !== undefined && live.status === 'up' && isBehind(s.height, maxHeight);
  const lag = s ? heightsBehind(s.height, maxHeight) : 0;
  const status = live.status === 'down' ? 'down' : 'up';
  return (
    <tr data-testid="node-row" data-node={node.name} data-status={status} data-behind={behind ? 'true' : 'false'} class={`node-row node-${live.status}${behind ? ' node-behind' : ''}`}>
      <td>
        <a href={href('consensus', undefined, { node: node.rpc })} title="Open this node's consensus rounds">
          <strong>{node.name}</strong>
        </a>
        {s?.moniker && s.moniker !== node.name ? <small class="muted"> {s.moniker}</small> : null}
      </td>
      <td>
        <code class="url">{node.rpc}</code>
      </td>
      <td class="num" data-testid="node-height">
        {s ? s.height : '–'}
        {s && lag > 0 ? <small class={behind ? 'lag lag-bad' : 'lag'}> −{lag}</small> : null}
      </td>
      <td class="num">{s?.round ?? '–'}</td>
      <td>{s?.step ?? '–'}</td>
      <td class="num">{s?.peers ?? '–'}</td>
      <td title={s && !Number.isNaN(s.blockTime) ? isoTime(s.blockTime) : undefined}>
        {s && !Number.isNaN(s.blockTime) ? (
          <>
            {new Date(s.blockTime).toLocaleTimeString()} <small class="muted">{ago(now - s.blockTime)}</small>
          </>
        ) : (
          '–'
        )}
      </td>
      <td>{s ? (s.catchingUp ? 'yes' : 'no') : '–'}</td>
      <td>{s && s.votingPower > 0 ? <code title={s.validatorAddress}>{shortHash(s.validatorAddress, 6)}</code> : <small class="muted" title="no voting power: a full node, or a validator out of the set">{s ? 'none' : '–'}</small>}</td>
      <td class="num">{s && s.votingPower > 0 ? s.votingPower.toLocaleString('en-US') : '–'}</td>
      <td class="status-cell">
        <StatusBadge live={live} behind={behind} />
        {live.status === 'down' ? (
          <small class="down-since" title={live.error}>
            {' '}
            down since {new Date(live.downSince).toLocaleTimeString()} ({ago(now - live.downSince)})
          </small>
        ) : null}
      </td>
    </tr>
  );
}

export function NodeTable({ nodes, states, maxHeight, now }: { nodes: RosterNode[]; states: Map<string, Liveness<NodeSnapshot>>; maxHeight: number; now: number }): JSX.Element {
  return (
    <div class="overflow-auto">
      <table class="node-table striped" data-testid="node-table">
        <thead>
          <tr>
            <th>Node</th>
            <th>RPC</th>
            <th class="num" title="latest block">Height</th>
            <th class="num">Round</th>
            <th>Step</th>
            <th class="num">Peers</th>
            <th>Last block</th>
            <th>Catching up</th>
            <th>Validator</th>
            <th class="num">Power</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((node) => (
            <Row key={node.rpc} node={node} live={states.get(node.rpc) ?? initialLiveness<NodeSnapshot>()} maxHeight={maxHeight} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
