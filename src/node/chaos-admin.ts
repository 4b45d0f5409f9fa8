/**
 * The chaos admin endpoint (spec/faults.md, "Chaos runner"): HTTP on 127.0.0.1 only, started
 * only with `cmt start --chaos-admin-port P`, through which `cmt testnet chaos` sets this
 * node's injected faults:
 *
 * - GET/PUT /link-faults: `{"rules": [{peer, drop, duplicate?, minDelayMs, maxDelayMs, meanMs?}]}`;
 * - GET/PUT /message-faults: `{"rules": [{kinds?, from?, signer?, heights?, rounds?, drop?, duplicate?, delay?}]}`;
 * - GET/PUT /clock: `{"skewMs": N, "ppm": N}` — refused (403) unless the chain id is local, as
 *   `--byzantine` is: a node whose clock is moved on purpose has no place on a real chain.
 *
 * A malformed body is a 400 that changes nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { toHex } from '../codec/bytes.js';
import { decodeProposalMessage } from '../codec/gossip.js';
import { decodeVote, PREVOTE } from '../codec/vote.js';
import { InvalidLinkRuleError, MAX_DRIFT_PPM, MAX_SKEW_MS, type LinkFaults, type MessageClassifier } from '../p2p/link-faults.js';
import { isLocalChain } from './local-chain.js';
import type { Logger } from './logger.js';
import { topicsFor } from './network.js';

const MAX_BODY_BYTES = 64 * 1024;

export interface ChaosAdmin {
  port: number;
  close(): Promise<void>;
}

export interface ChaosAdminOptions {
  /** The node's chain id: the clock may be moved only on a local test chain (absent: never). */
  chainId?: string;
}

/** Which gossip is a consensus message, for message rules: votes name their validator, proposals no one (their gossip author stands in). */
export function consensusMessageClassifier(chainId: string): MessageClassifier {
  const topics = topicsFor(chainId);
  return (topic, data) => {
    try {
      if (topic === topics.vote) {
        const v = decodeVote(data);
        return { kind: v.type === PREVOTE ? 'prevote' : 'precommit', height: v.height, round: v.round, signer: toHex(v.validatorAddress).toLowerCase() };
      }
      if (topic === topics.proposal) {
        const p = decodeProposalMessage(data).proposal;
        return { kind: 'proposal', height: p.height, round: p.round, signer: null };
      }
    } catch {
      // Junk is the handler's to judge and score, not the fault injector's.
    }
    return null;
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const ROUTES = ['/link-faults', '/message-faults', '/clock'] as const;

export async function startChaosAdmin(faults: LinkFaults, port: number, logger: Logger, options: ChaosAdminOptions = {}): Promise<ChaosAdmin> {
  const current = (url: string): unknown => (url === '/clock' ? faults.getClock() : { rules: url === '/link-faults' ? faults.list() : faults.listMessages() });
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = req.url ?? '';
      if (!(ROUTES as readonly string[]).includes(url)) return reply(res, 404, { error: `not found: GET or PUT ${ROUTES.join(', ')}` });
      if (req.method === 'GET') return reply(res, 200, current(url));
      if (req.method !== 'PUT') return reply(res, 405, { error: 'use GET or PUT' });
      if (url === '/clock' && !(options.chainId !== undefined && isLocalChain(options.chainId))) {
        return reply(res, 403, { error: `NOT_A_LOCAL_CHAIN: the clock is moved only on a local test chain; chain id "${options.chainId ?? 'unknown'}" is not one` });
      }
      const body = await readBody(req);
      if (body === undefined) return reply(res, 413, { error: `body above ${MAX_BODY_BYTES} bytes` });
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return reply(res, 400, { error: 'body is not JSON' });
      }
      if (url === '/clock') {
        const c = parsed as { skewMs?: unknown; ppm?: unknown } | null;
        const skewMs = c?.skewMs ?? 0;
        const ppm = c?.ppm ?? 0;
        if (!Number.isInteger(skewMs) || Math.abs(skewMs as number) > MAX_SKEW_MS || !Number.isInteger(ppm) || Math.abs(ppm as number) > MAX_DRIFT_PPM) {
          return reply(res, 400, { error: `expected {"skewMs": integer within ±${MAX_SKEW_MS}, "ppm": integer within ±${MAX_DRIFT_PPM}}` });
        }
        faults.setClock({ skewMs: skewMs as number, ppm: ppm as number }, Date.now());
        logger.warn({ skewMs, ppm }, 'chaos: clock fault set');
        return reply(res, 200, current(url));
      }
      const rules = (parsed as { rules?: unknown })?.rules;
      if (!Array.isArray(rules)) return reply(res, 400, { error: 'expected {"rules": [...]}' });
      try {
        if (url === '/link-faults') faults.set(rules);
        else faults.setMessages(rules);
      } catch (err) {
        if (err instanceof InvalidLinkRuleError) return reply(res, 400, { error: err.message });
        throw err;
      }
      logger.warn({ rules: rules.length, url }, 'chaos: faults set');
      return reply(res, 200, current(url));
    })().catch((err: unknown) => reply(res, 500, { error: String(err) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
