/**
 * The nodes the dashboard watches, and each one's liveness: the roster from /ui/config.json (a
 * testnet lists all its nodes), or the node that served the page alone; each polled about once
 * a second with short timeouts so a dead node shows within a few seconds.
 */
import { useEffect, useState } from 'preact/hooks';
import { dashboardSettings, rpcCall, selfBase } from '../rpc/cmt';
import { answered, failed, initialLiveness, type Liveness } from './liveness';
import { readConsensusState, readPeerCount, readStatus, type NodeSnapshot } from './node-info';

export interface RosterNode {
  name: string;
  rpc: string;
}

export const POLL_MS = 1000;
export const POLL_TIMEOUT_MS = 1500;

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** The roster, with the page's own node first-class: the self node is found in it or added. */
export function useRoster(): { nodes: RosterNode[] | undefined; error: Error | undefined } {
  const [state, setState] = useState<{ nodes: RosterNode[] | undefined; error: Error | undefined }>({ nodes: undefined, error: undefined });
  useEffect(() => {
    let stopped = false;
    const self = selfBase();
    dashboardSettings()
      .then((s) => {
        const listed = Array.isArray(s.nodes) ? s.nodes.filter((n) => typeof n?.name === 'string' && typeof n?.rpc === 'string') : [];
        const nodes = listed.length > 0 ? listed : [{ name: typeof s.moniker === 'string' && s.moniker ? s.moniker : 'this node', rpc: self }];
        if (!stopped) setState({ nodes, error: undefined });
      })
      .catch((err: unknown) => {
        // Without the settings the page still watches the node that served it.
        if (!stopped) setState({ nodes: [{ name: 'this node', rpc: self }], error: err instanceof Error ? err : new Error(String(err)) });
      });
    return () => {
      stopped = true;
    };
  }, []);
  return state;
}

/** The roster node that served the page, if it is listed. */
export function selfNode(nodes: RosterNode[]): RosterNode | undefined {
  return nodes.find((n) => sameOrigin(n.rpc, selfBase()));
}

async function snapshot(rpc: string): Promise<NodeSnapshot> {
  // status alone first: a dead node then costs one failed call a second, not three.
  const s = readStatus(await rpcCall<unknown>(rpc, 'status', {}, POLL_TIMEOUT_MS));
  if (s instanceof Error) throw s;
  const [consensus, net] = await Promise.allSettled([rpcCall<unknown>(rpc, 'consensus_state', {}, POLL_TIMEOUT_MS), rpcCall<unknown>(rpc, 'net_info', {}, POLL_TIMEOUT_MS)]);
  const c = consensus.status === 'fulfilled' ? readConsensusState(consensus.value) : undefined;
  return { ...s, round: c?.round, step: c?.step, peers: net.status === 'fulfilled' ? readPeerCount(net.value) : undefined };
}

function message(err: unknown): string {
  if (err instanceof DOMException && err.name === 'TimeoutError') return `no answer in ${POLL_TIMEOUT_MS / 1000} s`;
  if (err instanceof TypeError) return 'connection refused or unreachable';
  return err instanceof Error ? err.message : String(err);
}

/** Each node's liveness, by RPC URL, polled while the component is shown. */
export function useLiveness(nodes: RosterNode[] | undefined): Map<string, Liveness<NodeSnapshot>> {
  const [states, setStates] = useState<Map<string, Liveness<NodeSnapshot>>>(new Map());
  const key = (nodes ?? []).map((n) => n.rpc).join(' ');
  useEffect(() => {
    if (!nodes) return;
    let stopped = false;
    const timers = new Map<string, ReturnType<typeof setTimeout>>();
    const update = (rpc: string, next: (prev: Liveness<NodeSnapshot>) => Liveness<NodeSnapshot>): void =>
      setStates((m) => new Map(m).set(rpc, next(m.get(rpc) ?? initialLiveness<NodeSnapshot>())));
    for (const node of nodes) {
      const tick = async (): Promise<void> => {
        const startedAt = Date.now();
        try {
          const snap = await snapshot(node.rpc);
          if (!stopped) update(node.rpc, (prev) => answered(prev, snap, Date.now()));
        } catch (err) {
          if (!stopped) update(node.rpc, (prev) => failed(prev, message(err), Date.now(), startedAt));
        }
        // About once a second from the start of the call, so a slow node is not polled slower.
        if (!stopped) timers.set(node.rpc, setTimeout(() => void tick(), Math.max(200, POLL_MS - (Date.now() - startedAt))));
      };
      void tick();
    }
    return () => {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t);
    };
  }, [key]);
  return states;
}
