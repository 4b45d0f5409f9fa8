/**
 * The webhook endpoint (spec/webhooks.md, "The endpoint"): `POST /hooks/<contract>/<hook>` on
 * its own port. A call is checked as far as this node can before anything reaches the chain:
 * the hook exists, this node attests for it, the caller is authenticated, the body is an event,
 * the event is not delivered or already attested by this node, and the hook account can pay.
 * Only then is an attestation submitted. Every refusal is a 4xx with a JSON reason, and leaves
 * nothing on chain; 503 means this node cannot attest now (busy, or its mempool refused).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hookBodyError } from '../app/hooks/events.js';
import { fromHex, toHex, utf8 } from '../codec/bytes.js';
import { sha256 } from '../codec/hash.js';
import { hookSignBytes } from '../codec/hook.js';
import { parseAddress } from '../crypto/address.js';
import { verify } from '../crypto/ed25519.js';
import type { WebhooksConfig } from '../node/config.js';
import type { Logger } from '../node/logger.js';
import type { NodeApi } from '../node/api.js';
import type { Attester } from './attester.js';
import { ed25519Header, hmacMatches, SIGNATURE_HEADER } from './auth.js';

const ROUTE = /^\/hooks\/(0x[0-9a-fA-F]{40})\/([A-Za-z0-9_-]{1,64})$/;
/** Events this node attested to and has not seen committed yet: a repeat before the block is refused too. */
const MAX_REMEMBERED = 10_000;
/** Gas the hook account must hold at today's price before this node attests: about one attestation's worth. */
const MIN_DEPOSIT_GAS = 200_000n;

interface HookView {
  name: string;
  auth: 'ed25519' | 'hmac';
  keys?: string[];
  attesters: string[];
  quorum: number;
  method?: string;
  signal?: string;
  gas: number;
}

interface ContractHooksView {
  account: string;
  balance: string;
  hooks: HookView[];
}

interface EventView {
  status: 'pending' | 'applied' | 'failed';
  votes: Record<string, string[]>;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface WebhookServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Reads the body up to `limit` bytes. A larger body is drained and then refused, so the caller
 * reads a clean 413 rather than a reset; past 4 x the limit the connection is cut.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 4 * limit) {
        reject(new Refusal(413, 'BODY_TOO_LARGE', `the body is more than ${limit} bytes`));
        req.destroy();
        return;
      }
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => (size > limit ? reject(new Refusal(413, 'BODY_TOO_LARGE', `the body is more than ${limit} bytes`)) : resolve(new Uint8Array(Buffer.concat(chunks)))));
    req.on('error', reject);
  });
}

export class HookEndpoint {
  private readonly attested = new Set<string>();
  private inFlight = 0;

  constructor(
    private readonly node: Pick<NodeApi, 'query'>,
    private readonly attester: Attester,
    private readonly config: WebhooksConfig,
    private readonly logger: Logger,
  ) {}

  private async view<T>(path: string, request: Record<string, string>): Promise<T | undefined> {
    const res = await this.node.query({ path, data: utf8(JSON.stringify(request)), height: 0, prove: false });
    if (res.code !== 0) return undefined;
    return JSON.parse(new TextDecoder().decode(res.value)) as T;
  }

  /** Handles one call: the status and the JSON answered. */
  async handle(method: string, url: string, headers: IncomingMessage['headers'], body: () => Promise<Uint8Array>): Promise<{ status: number; answer: Record<string, unknown> }> {
    const route = ROUTE.exec(url.split('?')[0] ?? '');
    if (!route) throw new Refusal(404, 'NOT_FOUND', 'webhooks are POST /hooks/<contract 0x…>/<hook name>');
    if (method !== 'POST') throw new Refusal(405, 'METHOD_NOT_ALLOWED', 'a webhook is called with POST');
    const contractText = (route[1] as string).toLowerCase();
    const hookName = route[2] as string;
    const length = Number(headers['content-length'] ?? '0');
    if (length > this.config.maxBodyBytes) throw new Refusal(413, 'BODY_TOO_LARGE', `the body is ${length} bytes; this node takes at most ${this.config.maxBodyBytes}`);
    const contract = parseAddress(contractText);
    const declared = await this.view<ContractHooksView>('/hooks/contract', { contract: contractText });
    if (!declared) throw new Refusal(404, 'UNKNOWN_HOOK', `${contractText} declares no hooks (no contract there, or no hooks.json in its bundle)`);
    const hook = declared.hooks.find((h) => h.name === hookName);
    if (!hook) throw new Refusal(404, 'UNKNOWN_HOOK', `${contractText} has no hook "${hookName}"; it has ${declared.hooks.map((h) => `"${h.name}"`).join(', ')}`);
    if (!hook.attesters.includes(this.attester.address)) throw new Refusal(403, 'NOT_AN_ATTESTER', `this node (${this.attester.address}) is not an attester of hook "${hookName}"; call the nodes it lists`);
    const bytes = await body();
    const signature = this.authenticate(contract, hook, bytes, headers[SIGNATURE_HEADER]);
    const event = hookBodyError(bytes, hook.method !== undefined ? 'method' : 'signal');
    if (typeof event === 'string') throw new Refusal(400, 'BAD_BODY', event);
    const key = `${contractText}/${hookName}/${event.id}`;
    if (this.attested.has(key)) throw new Refusal(409, 'ALREADY_ATTESTED', `this node already attested to event "${event.id}"`);
    const record = await this.view<EventView>('/hooks/event', { contract: contractText, hook: hookName, id: event.id });
    if (record && record.status !== 'pending') throw new Refusal(409, 'ALREADY_DELIVERED', `event "${event.id}" was already delivered (${record.status})`);
    if (record && Object.values(record.votes).some((who) => who.includes(this.attester.address))) throw new Refusal(409, 'ALREADY_ATTESTED', `this node already attested to event "${event.id}"`);
    const { gasPrice } = this.attester.price(hook.gas);
    if (BigInt(declared.balance) < MIN_DEPOSIT_GAS * gasPrice) {
      throw new Refusal(402, 'DEPOSIT_TOO_LOW', `the contract's hook account ${declared.account} holds ${declared.balance} base units, less than an attestation may cost (${MIN_DEPOSIT_GAS * gasPrice}); send it CMT`);
    }
    if (this.attested.size >= MAX_REMEMBERED) this.attested.delete(this.attested.values().next().value as string);
    this.attested.add(key);
    const submitted = await this.attester.submit(contract, hookName, bytes, signature, hook.gas).catch((err: unknown) => {
      this.attested.delete(key);
      throw err;
    });
    if (submitted.result.code !== 0) {
      this.attested.delete(key);
      this.logger.warn({ contract: contractText, hook: hookName, id: event.id, code: submitted.result.code, log: submitted.result.log }, 'an attestation was refused by the mempool');
      throw new Refusal(503, 'CANNOT_ATTEST', `this node cannot attest now: ${submitted.result.log}`);
    }
    return { status: 202, answer: { status: 'attested', contract: contractText, hook: hookName, id: event.id, payload_hash: toHex(sha256(bytes)), tx: toHex(submitted.result.hash).toUpperCase(), attester: this.attester.address } };
  }

  /** The signature the attestation carries (empty for HMAC); a caller that does not prove itself is refused. */
  private authenticate(contract: Uint8Array, hook: HookView, body: Uint8Array, header: string | string[] | undefined): Uint8Array {
    const value = Array.isArray(header) ? undefined : header;
    if (hook.auth === 'hmac') {
      const secret = this.config.secrets[`${('0x' + toHex(contract)).toLowerCase()}/${hook.name}`];
      if (secret === undefined) throw new Refusal(403, 'NO_SECRET', `this node holds no secret for HMAC hook "${hook.name}" (webhooks.secrets in its config)`);
      if (!hmacMatches(secret, body, value)) throw new Refusal(401, 'BAD_SIGNATURE', `${SIGNATURE_HEADER} must be sha256=<hex HMAC-SHA256 of the body with the hook's secret>`);
      return new Uint8Array(0);
    }
    const signature = ed25519Header(value);
    if (!signature) throw new Refusal(401, 'BAD_SIGNATURE', `${SIGNATURE_HEADER} must be the caller's Ed25519 signature (128 hex digits)`);
    const signed = hookSignBytes(contract, hook.name, body);
    if (!(hook.keys ?? []).some((k) => verify(fromHex(k), signed, signature))) throw new Refusal(401, 'BAD_SIGNATURE', `the signature does not verify under any key of hook "${hook.name}"`);
    return signature;
  }

  /** The node-level HTTP handler: limits, then handle(), then the answer. */
  serve(req: IncomingMessage, res: ServerResponse): void {
    const answer = (status: number, json: Record<string, unknown>): void => {
      if (res.headersSent || res.destroyed) return;
      const text = JSON.stringify(json);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(status === 405 ? { allow: 'POST' } : {}) });
      res.end(text);
    };
    if (this.inFlight >= this.config.maxInFlight) {
      answer(503, { error: `this node handles ${this.config.maxInFlight} webhook calls at once; try again`, code: 'BUSY' });
      req.resume();
      return;
    }
    this.inFlight++;
    this.handle(req.method ?? '', req.url ?? '', req.headers, () => readBody(req, this.config.maxBodyBytes))
      .then(({ status, answer: json }) => answer(status, json))
      .catch((err: unknown) => {
        if (err instanceof Refusal) {
          answer(err.status, { error: err.message, code: err.code });
          // A refused body is not read further; the connection closes once the answer is out.
          if (!req.complete) res.once('finish', () => req.destroy());
          return;
        }
        this.logger.error({ err: (err as Error).message }, 'webhook call failed');
        answer(500, { error: 'internal error', code: 'INTERNAL' });
      })
      .finally(() => this.inFlight--);
  }
}

export async function startWebhookServer(endpoint: HookEndpoint, config: WebhooksConfig, logger: Logger): Promise<WebhookServer> {
  const server: Server = createServer((req, res) => endpoint.serve(req, res));
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host}:${port}`;
  logger.info({ url }, 'webhook endpoint listening');
  return {
    port,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
