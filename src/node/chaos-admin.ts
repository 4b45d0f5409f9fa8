/**
 * The chaos admin endpoint (spec/faults.md, "Chaos runner"): HTTP on 127.0.0.1 only, started
 * only with `cmt start --chaos-admin-port P`, through which `cmt testnet chaos` sets this
 * node's injected link faults. GET /link-faults lists the rules; PUT /link-faults replaces them
 * with `{"rules": [{peer, drop, minDelayMs, maxDelayMs}]}`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { InvalidLinkRuleError, type LinkFaults } from '../p2p/link-faults.js';
import type { Logger } from './logger.js';

const MAX_BODY_BYTES = 64 * 1024;

export interface ChaosAdmin {
  port: number;
  close(): Promise<void>;
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

export async function startChaosAdmin(faults: LinkFaults, port: number, logger: Logger): Promise<ChaosAdmin> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.url !== '/link-faults') return reply(res, 404, { error: 'not found: GET or PUT /link-faults' });
      if (req.method === 'GET') return reply(res, 200, { rules: faults.list() });
      if (req.method !== 'PUT') return reply(res, 405, { error: 'use GET or PUT' });
      const body = await readBody(req);
      if (body === undefined) return reply(res, 413, { error: `body above ${MAX_BODY_BYTES} bytes` });
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return reply(res, 400, { error: 'body is not JSON' });
      }
      const rules = (parsed as { rules?: unknown })?.rules;
      if (!Array.isArray(rules)) return reply(res, 400, { error: 'expected {"rules": [...]}' });
      try {
        faults.set(rules);
      } catch (err) {
        if (err instanceof InvalidLinkRuleError) return reply(res, 400, { error: err.message });
        throw err;
      }
      logger.warn({ rules: faults.list().length }, 'chaos: link faults set');
      return reply(res, 200, { rules: faults.list() });
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
