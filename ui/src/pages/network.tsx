/** The start page: every node of the network, live, with the ones that stopped answering in red. */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { NodeTable } from '../components/node-table';
import { Badge, ErrorNote, Loading, Section } from '../components/ui';
import { ago } from '../format';
import { summarize, BEHIND_AFTER, STALLED_AFTER_MS } from '../network/summary';
import { readPeers, type PeerView } from '../network/node-info';
import { selfNode, useLiveness, useRoster, type RosterNode } from '../network/use-roster';
import { rpcCall, selfBase } from '../rpc/cmt';
import { usePoll } from '../rpc/poll';

const PEERS_MS = 2000;

/** Re-renders every `ms` so ages ("3.1 s ago") move between answers. */
function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

function Stat({ label, value, tone, testid }: { label: string; value: string | number; tone?: 'ok' | 'bad' | 'warn'; testid?: string }): JSX.Element {
  return (
    <div class={`stat${tone ? ` ${tone}` : ''}`} data-testid={testid}>
      <small class="muted">{label}</small>
      <b>{value}</b>
    </div>
  );
}

export function NetworkPage(_props: { arg: string; query: URLSearchParams }): JSX.Element {
  const roster = useRoster();
  const states = useLiveness(roster.nodes);
  const now = useNow(500);
  if (!roster.nodes) return <Loading what="the network" />;
  const nodes = roster.nodes;
  const summary = summarize(nodes.map((n) => states.get(n.rpc)).filter((s) => s !== undefined));
  return (
    <Section title="Network" testid="network">
      {roster.error ? <ErrorNote error={new Error(`no dashboard settings (${roster.error.message}): watching this node only`)} /> : null}
      <div class="net-summary" data-testid="network-summary">
        <Stat label="Chain" value={summary.chainIds.join(', ') || '–'} testid="chain-id" tone={summary.chainIds.length > 1 ? 'bad' : undefined} />
        <Stat label="Tip" value={summary.maxHeight || '–'} testid="max-height" />
        <Stat
          label="Newest block"
          value={Number.isNaN(summary.tipTime) ? '–' : ago(now - summary.tipTime)}
          tone={now - summary.tipTime > STALLED_AFTER_MS ? 'bad' : undefined}
          testid="tip-age"
        />
        <Stat label="Nodes up" value={`${summary.up} / ${nodes.length}`} tone={summary.up === nodes.length ? 'ok' : undefined} testid="nodes-up" />
        <Stat label="Down" value={summary.down} tone={summary.down > 0 ? 'bad' : undefined} testid="nodes-down" />
        <Stat label={`Behind (> ${BEHIND_AFTER} heights)`} value={summary.behind} tone={summary.behind > 0 ? 'warn' : undefined} testid="nodes-behind" />
      </div>
      <NodeTable nodes={nodes} states={states} maxHeight={summary.maxHeight} now={now} />
      <small class="muted">Each node is asked every second (status, consensus_state, net_info); one that fails twice or stays silent 2.5 s is down. Click a node for its consensus rounds.</small>
      <Peers nodes={nodes} ids={new Map(nodes.map((n) => [states.get(n.rpc)?.last?.nodeId ?? '', n]))} />
    </Section>
  );
}

/** The peers of the node that served the page (net_info): the network as this node sees it, roster or not. */
function Peers({ nodes, ids }: { nodes: RosterNode[]; ids: Map<string, RosterNode> }): JSX.Element {
  const self = selfNode(nodes)?.rpc ?? selfBase();
  const peers = usePoll(async () => readPeers(await rpcCall<unknown>(self, 'net_info', {})), PEERS_MS, [self]);
  const list: PeerView[] = peers.data ?? [];
  return (
    <details open={nodes.length <= 1} style={{ marginTop: '1rem' }} data-testid="peers" data-count={peers.data ? list.length : ''}>
      <summary>
        Peers of this node {peers.data ? `(${list.length})` : ''}
      </summary>
      {peers.error ? <ErrorNote error={peers.error} /> : null}
      {peers.data && list.length === 0 ? <p class="muted">No peers connected.</p> : null}
      {list.length > 0 ? (
        <div class="overflow-auto">
          <table>
            <thead>
              <tr>
                <th>Node id</th>
                <th>Address</th>
                <th>Direction</th>
                <th>In this dashboard</th>
              </tr>
            </thead>
            <tbody>
              {list.map((p) => {
                const known = p.nodeId ? ids.get(p.nodeId) : undefined;
                return (
                  <tr data-testid="peer-row" data-node-id={p.nodeId} data-node={known?.name ?? ''}>
                    <td>
                      <code title={p.nodeId}>{p.nodeId ? `${p.nodeId.slice(0, 12)}…` : '?'}</code>
                    </td>
                    <td>
                      <code class="wrap">{p.address}</code>
                    </td>
                    <td>{p.outbound ? 'outbound' : 'inbound'}</td>
                    <td>{known ? <Badge tone="ok">{known.name}</Badge> : <small class="muted">not listed (its RPC address is not known)</small>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </details>
  );
}
