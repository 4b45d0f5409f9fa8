/** CosmJS's CometBFT 0.38 client for the node that served the page: the RPC is CometBFT's, so the field's own client reads it. */
import { Comet38Client, HttpClient, WebsocketClient } from '@cosmjs/tendermint-rpc';
import type { comet38 } from '@cosmjs/tendermint-rpc';

type NewBlockEvent = comet38.NewBlockEvent;

const clients = new Map<string, Comet38Client>();

/** One HTTP client per node URL, kept for the page's life. */
export function comet(base: string): Comet38Client {
  let client = clients.get(base);
  if (!client) {
    client = Comet38Client.create(new HttpClient(base));
    clients.set(base, client);
  }
  return client;
}

/** The node's ws:// base: CosmJS's WebsocketClient adds the /websocket path itself. */
export function webSocketBase(base: string): string {
  return base.replace(/^http/, 'ws');
}

/**
 * Calls `onBlock` for every new block of the node at `base` until the returned stop is
 * called. The socket is reopened after a drop; `onState` says whether it is live.
 */
export function watchNewBlocks(base: string, onBlock: (event: NewBlockEvent) => void, onState: (live: boolean) => void = () => {}): () => void {
  let stopped = false;
  let client: Comet38Client | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const open = async (): Promise<void> => {
    try {
      client = Comet38Client.create(new WebsocketClient(webSocketBase(base), () => reopen()));
      // CosmJS queues subscriptions until the socket has carried a request: send one at once.
      await client.health();
      if (stopped) return client.disconnect();
      onState(true);
      client.subscribeNewBlock().subscribe({ next: onBlock, error: () => reopen(), complete: () => reopen() });
    } catch {
      reopen();
    }
  };
  const reopen = (): void => {
    onState(false);
    try {
      client?.disconnect();
    } catch {
      // Already closed.
    }
    client = undefined;
    if (!stopped && retry === undefined) retry = setTimeout(() => ((retry = undefined), void open()), 2000);
  };
  void open();
  return () => {
    stopped = true;
    if (retry !== undefined) clearTimeout(retry);
    try {
      client?.disconnect();
    } catch {
      // Already closed.
    }
  };
}
