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
/** Events this node attested to, with the attestation's hash: a repeat is refused while it waits in the mempool. */
const MAX_REMEMBERED = 10_000;
/** Calls one client address may have in flight: one address cannot hold every slot. */
const MAX_IN_FLIGHT_PER_CLIENT = 8;
/** How long a body may take to arrive once the headers are in; a stalled one frees its slot (408). */
const BODY_DEADLINE_MS = 5_000;
/** A refused call's body is read and dropped up to this many bytes, so the caller reads the answer; past it the connection is cut. */
const DRAIN_BYTES = 1024 * 1024;
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
 * Reads the body up to `limit` bytes; past it the read is refused at once (413) and what
 * follows is left to the refusal's drain (serve), so the caller still reads the answer.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        reject(new Refusal(413, 'BODY_TOO_LARGE', `the body is more than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
    // A connection closed (by the caller, or by the body deadline) before the end: the call is over.
    req.on('close', () => reject(new Refusal(408, 'TIMEOUT', 'the connection closed before the body arrived')));
  });
}

/** The node as the endpoint reads it: its state, its chain id, and whether a transaction still waits in its mempool. */
export type HookNode = Pick<NodeApi, 'query' | 'status'> & { isPending?(hash: Uint8Array): boolean };

/** Reads and drops what is left of a refused body, up to DRAIN_BYTES; past it, or after the deadline, the connection is cut. */
function drain(req: IncomingMessage): void {
  let dropped = 0;
  const cut = setTimeout(() => req.destroy(), BODY_DEADLINE_MS);
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_BYTES) req.destroy();
  });
  req.on('close', () => clearTimeout(cut));
  req.resume();
}

export class HookEndpoint {
  /** Event to the hash of this node's attestation of it. */
  private readonly attested = new Map<string, Uint8Array>();
  /** Events whose attestation is being signed and handed to the mempool right now. */
  private readonly submitting = new Set<string>();
  private inFlight = 0;
  private readonly perClient = new Map<string, number>();

  constructor(
    private readonly node: HookNode,
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
    // Remembered only while the attestation waits in the mempool: one that was dropped (its nonce
    // taken, its price under a risen base fee) lets the caller's retry through.
    const earlier = this.attested.get(key);
    if (this.submitting.has(key) || (earlier && (this.node.isPending?.(earlier) ?? false))) throw new Refusal(409, 'ALREADY_ATTESTED', `this node already attested to event "${event.id}" (waiting for a block)`);
    const record = await this.view<EventView>('/hooks/event', { contract: contractText, hook: hookName, id: event.id });
    if (record && record.status !== 'pending') throw new Refusal(409, 'ALREADY_DELIVERED', `event "${event.id}" was already delivered (${record.status})`);
    if (record && Object.values(record.votes).some((who) => who.includes(this.attester.address))) throw new Refusal(409, 'ALREADY_ATTESTED', `this node already attested to event "${event.id}"`);
    const { gasPrice } = this.attester.price(hook.gas);
    if (BigInt(declared.balance) < MIN_DEPOSIT_GAS * gasPrice) {
      throw new Refusal(402, 'DEPOSIT_TOO_LOW', `the contract's hook account ${declared.account} holds ${declared.balance} base units, less than an attestation may cost (${MIN_DEPOSIT_GAS * gasPrice}); send it CMT`);
    }
    // Claimed before the await: a second call for the event meanwhile is refused.
    this.submitting.add(key);
    let submitted;
    try {
      submitted = await this.attester.submit(contract, hookName, bytes, signature, hook.gas);
    } finally {
      this.submitting.delete(key);
    }
    this.attested.delete(key);
    if (this.attested.size >= MAX_REMEMBERED) this.attested.delete(this.attested.keys().next().value as string);
    this.attested.set(key, submitted.result.hash);
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
    const signed = hookSignBytes(this.node.status().chainId, contract, hook.name, body);
    if (!(hook.keys ?? []).some((k) => verify(fromHex(k), signed, signature))) throw new Refusal(401, 'BAD_SIGNATURE', `the signature does not verify under any key of hook "${hook.name}"`);
    return signature;
  }

  /** The node-level HTTP handler: limits, then handle(), then the answer. */
  serve(req: IncomingMessage, res: ServerResponse): void {
    const answer = (status: number, json: Record<string, unknown>): void => {
      if (res.headersSent || res.destroyed) return;
      const text = JSON.stringify(json);
      // A body left unread is drained (up to DRAIN_BYTES) so the caller reads this answer, then the connection closes.
      const unread = !req.complete;
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(status === 405 ? { allow: 'POST' } : {}), ...(unread ? { connection: 'close' } : {}) });
      res.end(text);
      if (unread) drain(req);
    };
    const client = req.socket.remoteAddress ?? '';
    const mine = this.perClient.get(client) ?? 0;
    if (this.inFlight >= this.config.maxInFlight || mine >= MAX_IN_FLIGHT_PER_CLIENT) {
      answer(503, { error: `this node handles ${this.config.maxInFlight} webhook calls at once, ${MAX_IN_FLIGHT_PER_CLIENT} from one address; try again`, code: 'BUSY' });
      return;
    }
    this.inFlight++;
    this.perClient.set(client, mine + 1);
    // A body that stalls frees its slot: the call is answered 408 and the connection closed.
    const deadline = setTimeout(() => {
      answer(408, { error: `the body did not arrive within ${BODY_DEADLINE_MS} ms`, code: 'TIMEOUT' });
      req.destroy();
    }, BODY_DEADLINE_MS);
    const body = (): Promise<Uint8Array> => readBody(req, this.config.maxBodyBytes).finally(() => clearTimeout(deadline));
    this.handle(req.method ?? '', req.url ?? '', req.headers, body)
      .then(({ status, answer: json }) => answer(status, json))
      .catch((err: unknown) => {
        if (err instanceof Refusal) return answer(err.status, { error: err.message, code: err.code });
        this.logger.error({ err: (err as Error).message }, 'webhook call failed');
        answer(500, { error: 'internal error', code: 'INTERNAL' });
      })
      .finally(() => {
        clearTimeout(deadline);
        this.inFlight--;
        const left = (this.perClient.get(client) ?? 1) - 1;
        if (left <= 0) this.perClient.delete(client);
        else this.perClient.set(client, left);
      });
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
