/**
 * Contract workloads for the determinism test (test/hostile/contract-determinism.test.ts): deep
 * nesting of every kind the engine recurses on (JSON, the parser through eval, Function and
 * module source, regular expressions, recursion, stringify, toString, flat, prototype chains),
 * deep arguments and results, large strings, many keys, thrown deep values, and calls nested
 * through a chain of contracts. Shared by the test and the child process it starts
 * (determinism-child.ts), so both run the very same transactions.
 */
import { ONE_CMT } from '../../src/codec/amount.js';
import { encodeBundle } from '../../src/codec/bundle.js';
import { encode } from '../../src/codec/schema.js';
import { TxResult } from '../../src/codec/results.js';
import type { Msg } from '../../src/codec/tx.js';
import { formatAddress } from '../../src/crypto/address.js';
import type { KeyPair } from '../../src/crypto/ed25519.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import type { AppHarness } from './app-harness.js';
import { signedMsg } from './contract-txs.js';
import { addressOf, testKey } from './nodes.js';

/** What `run(kind, n)` does with depth or size n. */
export const RUN_KINDS = [
  'jsonParse',
  'jsonParseObject',
  'jsonParseReviver',
  'evalParens',
  'evalObject',
  'evalBlocks',
  'evalUnary',
  'evalArrows',
  'functionBrackets',
  'recursion',
  'stringify',
  'toString',
  'flat',
  'regexp',
  'protoChain',
  'deepResult',
  'throwDeep',
  'storeDeep',
  'bigString',
  'manyKeys',
] as const;
export type RunKind = (typeof RUN_KINDS)[number];

/** Nesting in a deployed module's own source. */
export const SOURCE_SHAPES = ['array', 'parens', 'object', 'blocks', 'template'] as const;
export type SourceShape = (typeof SOURCE_SHAPES)[number];

export type WorkItem =
  /** `run(kind, n)`, reached through `via` contracts calling each other first (0: directly). */
  | { type: 'run'; kind: RunKind; n: number; via: number }
  /** A deploy whose module source nests `n` deep. */
  | { type: 'deploy'; shape: SourceShape; n: number }
  /** A call whose arguments nest `n` deep (at most MAX_ARGS_DEPTH: the args text is at most 64 KiB). */
  | { type: 'deepArgs'; n: number };

/** One block's transactions. */
export type Workload = WorkItem[];

/** Contracts deployed first, so a call can pass through up to MAX_CALL_DEPTH - 1 of them. */
export const CHAIN_CONTRACTS = 8;
/** Senders: 0 deploys the chain, 1..MAX_ITEMS send a block's items (one each, so none conflict). */
export const MAX_ITEMS = 8;
export const FUNDED = MAX_ITEMS + 1;
export const FUNDED_BALANCE = 1_000_000n * ONE_CMT;
export const ITEM_GAS = 6_000_000;
export const MAX_ARGS_DEPTH = 32_000;

export const CONTRACT = `
const deep = (open, close, n, mid) => open.repeat(n) + (mid ?? '') + close.repeat(n);
const nestedArray = (n) => { let o = []; for (let i = 0; i < n; i++) o = [o]; return o; };
export function run(kind, n) {
  switch (kind) {
    case 'jsonParse': return JSON.parse(deep('[', ']', n)).length;
    case 'jsonParseObject': return typeof JSON.parse(deep('{"a":', '}', n, '1'));
    case 'jsonParseReviver': return typeof JSON.parse(deep('[', ']', n), (k, v) => v);
    case 'evalParens': return eval(deep('(', ')', n, '1'));
    case 'evalObject': return typeof eval('(' + deep('{a:', '}', n, '1') + ')');
    case 'evalBlocks': eval(deep('{', '}', n)); return 0;
    case 'evalUnary': return eval('!'.repeat(n) + '0');
    case 'evalArrows': return typeof eval(deep('() => (', ')', n, '1'));
    case 'functionBrackets': return new Function('return ' + deep('[', ']', n))().length;
    case 'recursion': { const r = (k) => (k === 0 ? 0 : 1 + r(k - 1)); return r(n); }
    case 'stringify': return JSON.stringify(nestedArray(n)).length;
    case 'toString': return String(nestedArray(n)).length;
    case 'flat': return nestedArray(n).flat(Infinity).length;
    case 'regexp': return new RegExp(deep('(?:', ')', n, 'a')).test('a');
    case 'protoChain': { let o = {}; for (let i = 0; i < n; i++) o = Object.create(o); return [o.missing, 'x' in o, String(o)]; }
    case 'deepResult': return nestedArray(n);
    case 'throwDeep': { let o = { a: 1 }; for (let i = 0; i < n; i++) o = { a: o }; throw o; }
    case 'storeDeep': db.put('deep', ctx.sender, nestedArray(n)); return db.get('deep', ctx.sender).length;
    case 'bigString': { const s = 'é€'.repeat(n * 10); db.put('big', ctx.sender, s.slice(0, 20000)); emit('big', s.slice(0, 1000)); return s.length; }
    case 'manyKeys': { const o = {}; for (let i = 0; i < n; i++) o['k' + i] = i; return JSON.stringify(o).length; }
  }
  throw new Error('unknown kind ' + kind);
}
export function chain(addrs, kind, n) {
  return addrs.length === 0 ? run(kind, n) : call(addrs[0], 'chain', [addrs.slice(1), kind, n]);
}
export function depth(x) { let d = 0; while (Array.isArray(x)) { x = x[0]; d++; } return d; }
`;

const nested = (open: string, close: string, n: number, mid = ''): string => open.repeat(n) + mid + close.repeat(n);

/** A module whose source nests n deep in the given shape. */
export function nestedSource(shape: SourceShape, n: number): string {
  const body: Record<SourceShape, string> = {
    array: `export const x = ${nested('[', ']', n)};`,
    parens: `export const x = ${nested('(', ')', n, '1')};`,
    object: `export const x = ${nested('{a:', '}', n, '1')};`,
    blocks: `${nested('{', '}', n)}`,
    template: `export const x = ${nested('`${', '}`', n, '1')};`,
  };
  return `${body[shape]}\nexport function ping() { return 1; }`;
}

const sender = (i: number): KeyPair => testKey(i);

function deploy(key: KeyPair, nonce: number, code: string): Uint8Array {
  const msg: Msg = { type: 'deployContract', bundle: encodeBundle([{ name: 'contract.js', content: new TextEncoder().encode(code) }]), initArgs: '', value: 0n };
  return signedMsg(key, nonce, msg, ITEM_GAS);
}

function call(key: KeyPair, nonce: number, contract: Uint8Array, method: string, argsJson: string): Uint8Array {
  return signedMsg(key, nonce, { type: 'callContract', contract, method, args: argsJson, value: 0n }, ITEM_GAS);
}

/** The chain contracts (sender 0, nonces 0..CHAIN_CONTRACTS-1). */
export function chainAddresses(): Uint8Array[] {
  return Array.from({ length: CHAIN_CONTRACTS }, (_, i) => contractAddress(addressOf(sender(0)), i));
}

export function deployBlock(): Uint8Array[] {
  return Array.from({ length: CHAIN_CONTRACTS }, (_, i) => deploy(sender(0), i, CONTRACT));
}

/** The block of a workload, its item i sent by sender i + 1 at the nonce `nonceOf` gives. */
export function workloadBlock(workload: Workload, nonceOf: (address: Uint8Array) => number): Uint8Array[] {
  const [target, ...others] = chainAddresses() as [Uint8Array, ...Uint8Array[]];
  const rest = others.map(formatAddress);
  return workload.map((item, i) => {
    const key = sender(i + 1);
    const nonce = nonceOf(addressOf(key));
    switch (item.type) {
      case 'run':
        return item.via === 0 ? call(key, nonce, target, 'run', JSON.stringify([item.kind, item.n])) : call(key, nonce, target, 'chain', JSON.stringify([rest.slice(0, item.via), item.kind, item.n]));
      case 'deploy':
        return deploy(key, nonce, nestedSource(item.shape, item.n));
      case 'deepArgs':
        return call(key, nonce, target, 'depth', `[${nested('[', ']', Math.min(item.n, MAX_ARGS_DEPTH))}]`);
    }
  });
}

/** A block's outcome as bytes: the app hash and every receipt, hex. */
export interface BlockBytes {
  appHash: string;
  receipts: string[];
}

/** Runs the deploy block, then each workload as a block, on a fresh chain; the bytes of every block. */
export async function runWorkloads(h: AppHarness, workloads: readonly Workload[]): Promise<BlockBytes[]> {
  const out: BlockBytes[] = [await blockBytes(h, deployBlock())];
  for (const w of workloads) out.push(await blockBytes(h, workloadBlock(w, (a) => h.nonce(a))));
  return out;
}

export async function blockBytes(h: AppHarness, txs: Uint8Array[]): Promise<BlockBytes> {
  const res = await h.runBlock(txs);
  return { appHash: Buffer.from(res.appHash).toString('hex'), receipts: res.txResults.map((r) => Buffer.from(encode(TxResult, r)).toString('hex')) };
}
