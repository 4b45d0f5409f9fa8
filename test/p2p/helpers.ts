/**
 * Real libp2p hosts on loopback with OS-assigned ports. Every host started through a pool is
 * stopped by `stopAll`, which the tests call from afterEach so no socket or timer outlives a test.
 */
import { silentLogger } from '../../src/node/logger.js';
import { P2PHost, type P2PHostOptions } from '../../src/p2p/host.js';
import { generateNodeKey } from '../../src/p2p/node-key.js';

export class HostPool {
  private readonly hosts: P2PHost[] = [];

  async start(options: Partial<P2PHostOptions> = {}): Promise<P2PHost> {
    const host = await P2PHost.start({
      listenPort: 0,
      logger: silentLogger(),
      gossipHeartbeatMs: 200,
      ...options,
      nodeKey: options.nodeKey ?? (await generateNodeKey()),
    });
    this.hosts.push(host);
    return host;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.hosts.splice(0).map((h) => h.stop()));
  }
}

/** Polls `condition` every 20 ms; rejects naming `what` after `timeoutMs`. For states, not events. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function connected(a: P2PHost, b: P2PHost): boolean {
  return a.peers().some((p) => p.peerId === b.peerId) && b.peers().some((p) => p.peerId === a.peerId);
}

/** A promise with its resolve function, for awaiting the next callback. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Rejects if `promise` has not settled within `ms`, so a lost message fails fast with a reason. */
export function within<T>(what: string, promise: Promise<T>, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (data: Uint8Array): string => new TextDecoder().decode(data);

export { freePort } from '../../src/runtime/free-port.js';
