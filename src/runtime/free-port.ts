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

/** The lowest port of the OS's ephemeral range (read once: it is a boot-time setting). */
let ephemeralLow: number | undefined;

function ephemeralRangeStart(): number {
  if (ephemeralLow === undefined) {
    try {
      const low = Number(readFileSync(LINUX_EPHEMERAL_RANGE, 'utf8').trim().split(/\s+/)[0]);
      ephemeralLow = Number.isInteger(low) && low > 0 ? low : DEFAULT_EPHEMERAL_LOW;
    } catch {
      ephemeralLow = DEFAULT_EPHEMERAL_LOW;
    }
  }
  return ephemeralLow;
}

/** Listens on `port` of 127.0.0.1 (0: one the OS picks) and closes again: the port, or undefined if it was taken. */
function tryPort(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

/** A loopback TCP port that was free a moment ago (for processes that must know each other's address up front). */
export async function freePort(): Promise<number> {
  const high = ephemeralRangeStart() - 1;
  for (let attempt = 0; high - LOWEST_PORT >= 1_000 && attempt < ATTEMPTS; attempt++) {
    const candidate = LOWEST_PORT + Math.floor(Math.random() * (high - LOWEST_PORT + 1));
    const port = handedOut.has(candidate) ? undefined : await tryPort(candidate);
    if (port !== undefined) {
      handedOut.add(port);
      return port;
    }
  }
  // No room below the ephemeral range, or all of it busy: let the OS choose.
  const port = await tryPort(0);
  if (port === undefined) throw new Error('the OS gave no free port');
  handedOut.add(port);
  return port;
}
