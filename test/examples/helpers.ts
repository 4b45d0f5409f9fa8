/**
 * Shared by the example-contract tests: a bundle directory read from disk, parties with their
 * own nonces, receipts (fee, contract events, call result) and read-only queries.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyPair } from '../../src/crypto/ed25519.js';
import type { TxResult } from '../../src/codec/results.js';
import { formatAddress } from '../../src/crypto/address.js';
import type { AppHarness } from '../support/app-harness.js';
import { callTx, contractJson, deployTx } from '../support/contract-txs.js';
import { addressOf, testKey } from '../support/nodes.js';

export const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
/** Generous per the brief; a call uses a small fraction and pays only for what it uses. */
export const GAS = 5_000_000;

export interface Bundle {
  code: string;
  files: Record<string, string>;
}

/** Every file under examples/<name>/ (names relative to it, '/'-separated); contract.js is the entry module. */
export function readBundle(name: string): Bundle {
  const root = join(EXAMPLES, name);
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(root, path).split('\\').join('/')] = readFileSync(path, 'utf8');
    }
  };
  walk(root);
  const code = files['contract.js'];
  if (code === undefined) throw new Error(`examples/${name} has no contract.js`);
  delete files['contract.js'];
  return { code, files };
}

/** A funded test key that counts its own nonces. */
export class Party {
  readonly key: KeyPair;
  readonly address: Uint8Array;
  readonly hex: string;
  nonce = 0;

  constructor(
    readonly name: string,
    index: number,
  ) {
    this.key = testKey(index);
    this.address = addressOf(this.key);
    this.hex = formatAddress(this.address);
  }

  next(): number {
    return this.nonce++;
  }

  deploy(bundle: Bundle, o: { initArgs?: unknown[]; value?: bigint } = {}): Uint8Array {
    return deployTx(this.key, this.next(), bundle.code, { ...o, files: bundle.files, gasLimit: GAS });
  }

  call(contract: Uint8Array, method: string, args: unknown[] = [], o: { value?: bigint } = {}): Uint8Array {
    return callTx(this.key, this.next(), contract, method, args, { ...o, gasLimit: GAS });
  }
}

export function attr(result: TxResult, type: string, key: string): string | undefined {
  return result.events.find((e) => e.type === type)?.attributes.find((a) => a.key === key)?.value;
}

/** The fee the transaction paid (its 'tx' event), charged whether it succeeded or not. */
export function feeOf(result: TxResult): bigint {
  const fee = attr(result, 'tx', 'fee');
  if (fee === undefined) throw new Error(`no fee in ${JSON.stringify(result)}`);
  return BigInt(fee);
}

/** JSON as contracts write it: {"$bigint": "…"} back to BigInt. */
export function parseTagged(json: string): unknown {
  return JSON.parse(json, (_, v: unknown) => (v !== null && typeof v === 'object' && typeof (v as { $bigint?: unknown }).$bigint === 'string' && Object.keys(v).length === 1 ? BigInt((v as { $bigint: string }).$bigint) : v));
}

export interface ContractEvent {
  contract: string;
  event: string;
  data: unknown;
}

/** The events the contract emitted, in order. */
export function contractEvents(result: TxResult): ContractEvent[] {
  return result.events
    .filter((e) => e.type === 'contract')
    .map((e) => {
      const get = (k: string): string => e.attributes.find((a) => a.key === k)?.value ?? '';
      return { contract: get('contract'), event: get('event'), data: parseTagged(get('data')) };
    });
}

/** What the called method returned (the 'contract_call' event). */
export function callResult(result: TxResult): unknown {
  const text = attr(result, 'contract_call', 'result');
  if (text === undefined) throw new Error(`no call result: ${result.log}`);
  return parseTagged(text);
}

/** A read-only call at the latest committed state; throws with the contract's error. */
export function query(h: AppHarness, contract: Uint8Array, method: string, args: unknown[] = []): unknown {
  const out = h.app.queryContract(contract, method, contractJson(args));
  if (!out.ok) throw new Error(out.error);
  return parseTagged(out.resultJson);
}

export function queryError(h: AppHarness, contract: Uint8Array, method: string, args: unknown[] = []): string {
  const out = h.app.queryContract(contract, method, contractJson(args));
  if (out.ok) throw new Error(`${method} succeeded: ${out.resultJson}`);
  return out.error;
}
