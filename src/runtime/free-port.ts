import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Ports are drawn below the OS's ephemeral range: every outgoing connection (an RPC poll, a
 * libp2p dial) takes a local port from that range, so a port found free there can be taken by
 * a connection before the process it was meant for listens on it.
 */
const LOWEST_PORT = 10_000;
const LINUX_EPHEMERAL_RANGE = '/proc/sys/net/ipv4/ip_local_port_range';
/** Below the ephemeral range of Linux, macOS and Windows alike when the OS does not say. */
const DEFAULT_EPHEMERAL_LOW = 32_768;
const ATTEMPTS = 50;

/** Ports this process has handed out, not handed out again. */
const handedOut = new Set<number>();

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync(LINUX_EPHEMERAL_RANGE, 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : DEFAULT_EPHEMERAL_LOW;
  } catch {
    return DEFAULT_EPHEMERAL_LOW;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function osPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('the OS gave no port'))));
    });
  });
}

/** A loopback TCP port that was free a moment ago (for processes that must know each other's address up front). */
export async function freePort(): Promise<number> {
  const high = ephemeralLow() - 1;
  if (high - LOWEST_PORT >= 1_000) {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const port = LOWEST_PORT + Math.floor(Math.random() * (high - LOWEST_PORT + 1));
      if (handedOut.has(port) || !(await canListen(port))) continue;
      handedOut.add(port);
      return port;
    }
  }
  // No room below the ephemeral range, or all of it busy: let the OS choose.
  const port = await osPort();
  handedOut.add(port);
  return port;
}
