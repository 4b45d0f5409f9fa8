/**
 * `cmt hooks`: a contract's webhooks (spec/webhooks.md). `show` and `event` read the chain;
 * `post` calls a hook on several nodes the way an outside service would (signed with a key of
 * the home, or with an HMAC secret), and `sign` prints the signature header for curl users.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { formatCmt } from '../../codec/amount.js';
import { utf8 } from '../../codec/bytes.js';
import { MAX_HOOK_BODY_BYTES } from '../../codec/tx.js';
import { HookDeclarationError, HOOKS_FILE, parseHooks } from '../../app/hooks/declaration.js';
import { formatAddress, parseAddress } from '../../crypto/address.js';
import { KeyDirectory } from '../../crypto/key-directory.js';
import { hmacHookCall, signHookCall, SIGNATURE_HEADER } from '../../hooks/auth.js';
import { homePaths } from '../../node/home.js';
import { RpcClientError } from '../../rpc/client.js';
import { RPC_NOT_FOUND } from '../../rpc/errors.js';
import { optionParser } from '../arguments.js';
import { resolveHome, rpcClient, type CommonOptions } from '../context.js';
import { CommandError, parseOutputFormat, printResult, table, type OutputFormat } from '../output.js';
import { unlockKey } from './keys.js';
import { describeCommand } from '../command-table.js';

interface HooksAnswer {
  contract: string;
  account: string;
  balance: string;
  hooks: { name: string; auth: string; keys?: string[]; attesters: string[]; quorum: number; method?: string; signal?: string; gas: number }[];
  conflicts: Record<string, number>;
}

interface EventAnswer {
  contract: string;
  hook: string;
  id: string;
  status: string;
  votes: Record<string, string[]>;
  conflicts: { attester: string; payloadHash: string; height: number }[];
  since: number;
  outcome?: { payloadHash: string; height: number; tx: string; error?: string };
}

type Output = CommonOptions & { output: OutputFormat };

const HOOK_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function hookName(text: string): string {
  if (!HOOK_NAME.test(text)) throw new CommandError(`"${text.slice(0, 70)}" is not a hook name (1 to 64 letters, digits, _ or -)`, 'INVALID_ARGUMENT');
  return text;
}

const reading = (cmd: Command): Command =>
  cmd
    .option('--node <url>', 'RPC address (default: $CMT_NODE, the home config, or http://127.0.0.1:26657)')
    .option('--home <dir>', 'home naming the node (default: $CMT_HOME or ~/.cmt/devnet)')
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text');

function notFound(err: unknown, message: string): never {
  if (err instanceof RpcClientError && err.rpcCode === RPC_NOT_FOUND) throw new CommandError(message, 'NOT_FOUND');
  throw err;
}

async function bodyOf(o: { body?: string; data?: string }): Promise<Uint8Array> {
  if ((o.body === undefined) === (o.data === undefined)) throw new CommandError('give the body with exactly one of --body FILE and --data JSON', 'INVALID_ARGUMENT');
  const body = o.body !== undefined ? new Uint8Array(await readFile(o.body)) : utf8(o.data as string);
  if (body.length > MAX_HOOK_BODY_BYTES) throw new CommandError(`the body is ${body.length} bytes; a hook takes at most ${MAX_HOOK_BODY_BYTES}`, 'INVALID_ARGUMENT');
  return body;
}

interface SignOptions extends CommonOptions {
  chainId?: string;
  body?: string;
  data?: string;
  key?: string;
  secretEnv?: string;
  passphraseFile?: string;
}

/** The X-Cmt-Signature value: an Ed25519 signature with --key, or an HMAC with the secret in $--secret-env. */
async function signature(contract: Uint8Array, hook: string, body: Uint8Array, o: SignOptions): Promise<string> {
  if ((o.key === undefined) === (o.secretEnv === undefined)) throw new CommandError('sign with exactly one of --key NAME (an Ed25519 hook) and --secret-env VAR (an HMAC hook)', 'INVALID_ARGUMENT');
  if (o.key !== undefined) {
    // The signature names the chain: --chain-id, else the node's.
    const chainId = o.chainId ?? (await (await rpcClient(o)).call<{ node_info: { network: string } }>('status')).node_info.network;
    return signHookCall(await unlockKey(new KeyDirectory(homePaths(resolveHome(o)).keys), o.key, o), chainId, contract, hook, body);
  }
  const secret = process.env[o.secretEnv as string];
  if (!secret) throw new CommandError(`$${o.secretEnv} holds no secret`, 'INVALID_ARGUMENT');
  return hmacHookCall(secret, body);
}

const signing = (cmd: Command): Command =>
  cmd
    .option('--body <file>', 'the body: a file holding a JSON object with the event "id"')
    .option('--data <json>', 'the body given inline')
    .option('--key <name>', "the caller's Ed25519 key (in the home's keys) for an ed25519 hook")
    .option('--secret-env <var>', 'the environment variable holding the secret of an hmac hook')
    .option('--passphrase-file <file>', "the key's passphrase (default: $CMT_PASSPHRASE or a prompt)")
    .option('--chain-id <id>', 'the chain the signature is for (default: the chain of --node)')
    .option('--node <url>', 'RPC address asked for the chain id (default: $CMT_NODE, the home config, or http://127.0.0.1:26657)')
    .option('--home <dir>', 'home holding keys/ (default: $CMT_HOME or ~/.cmt/devnet)');

interface DeclareOptions {
  attesters: string;
  quorum: string;
  keys?: string;
  hmac?: boolean;
  method?: string;
  signal?: string;
  gas?: string;
  home?: string;
}

/** An address as given, or the address of a key of that name in the home. */
async function addressOrKey(keys: KeyDirectory, text: string): Promise<string> {
  if (/^0x[0-9a-fA-F]{40}$/.test(text)) return formatAddress(parseAddress(text));
  return (await keys.get(text)).address.toLowerCase();
}

/** A public key as given (64 hex digits), or the public key of a key of that name in the home. */
async function publicKeyOrKey(keys: KeyDirectory, text: string): Promise<string> {
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(text)) return text.replace(/^0x/, '').toLowerCase();
  return (await keys.get(text)).publicKey.replace(/^0x/, '').toLowerCase();
}

const list = (text: string | undefined): string[] => (text ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');

/** Adds (or replaces) one hook in DIR/hooks.json, checked as the chain will check it at deploy. */
async function declareHook(dir: string, name: string, o: DeclareOptions): Promise<string> {
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) throw new CommandError(`${dir} is not a directory (the contract's bundle)`, 'INVALID_ARGUMENT');
  const keys = new KeyDirectory(homePaths(resolveHome(o)).keys);
  const path = join(dir, HOOKS_FILE);
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  let hooks: Record<string, unknown> = {};
  if (existing !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(existing);
    } catch {
      throw new CommandError(`${path} is not JSON; fix or remove it first`, 'INVALID_ARGUMENT');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CommandError(`${path} is not an object of hooks; fix or remove it first`, 'INVALID_ARGUMENT');
    hooks = parsed as Record<string, unknown>;
  }
  if (o.hmac === true && o.keys !== undefined) throw new CommandError('an HMAC hook lists no caller keys: give --hmac or --keys, not both', 'INVALID_ARGUMENT');
  if (o.hmac !== true && o.keys === undefined) throw new CommandError('say how callers are authenticated: --keys NAME|HEX,... (Ed25519) or --hmac', 'INVALID_ARGUMENT');
  const hook: Record<string, unknown> = {
    auth: o.hmac === true ? 'hmac' : 'ed25519',
    ...(o.hmac === true ? {} : { keys: await Promise.all(list(o.keys).map((k) => publicKeyOrKey(keys, k))) }),
    attesters: await Promise.all(list(o.attesters).map((a) => addressOrKey(keys, a))),
    quorum: Number(o.quorum),
    ...(o.method !== undefined ? { method: o.method } : {}),
    ...(o.signal !== undefined ? { signal: o.signal } : {}),
    ...(o.gas !== undefined ? { gas: Number(o.gas) } : {}),
  };
  hooks[name] = hook;
  const text = `${JSON.stringify(hooks, null, 2)}\n`;
  try {
    parseHooks(utf8(text));
  } catch (err) {
    if (err instanceof HookDeclarationError) throw new CommandError(err.message, 'INVALID_ARGUMENT');
    throw err;
  }
  await writeFile(path, text);
  return path;
}

export function registerHooksCommands(program: Command): void {
  const hooks = program.command('hooks').description(describeCommand('hooks'));
  reading(hooks.command('show <contract>').description("a contract's hooks, its hook account (which pays attestation fees) and conflicting attestations")).action(async (contractText: string, o: Output) => {
    const contract = formatAddress(parseAddress(contractText));
    const answer = await (await rpcClient(o)).call<HooksAnswer>('contract_hooks', { contract }).catch((err: unknown) => notFound(err, `${contract} declares no hooks`));
    printResult(o.output, answer, () =>
      [
        table([
          ['contract', answer.contract],
          ['hook account', `${answer.account} holds ${formatCmt(BigInt(answer.balance))} (send CMT here to pay attestations)`],
          ['conflicts', Object.keys(answer.conflicts).length === 0 ? '(none)' : Object.entries(answer.conflicts).map(([a, n]) => `${a}: ${n}`).join(', ')],
        ]),
        ...answer.hooks.map((h) => `\n${h.name}: ${h.auth}, ${h.quorum} of ${h.attesters.length} attesters, ${h.method !== undefined ? `calls ${h.method}` : `signals "${h.signal}"`} with at most ${h.gas} gas\n  attesters: ${h.attesters.join(', ')}${h.keys ? `\n  caller keys: ${h.keys.join(', ')}` : ''}`),
      ].join('\n'),
    );
  });
  reading(hooks.command('event <contract> <hook> <id>').description('one event: who attested to which payload, conflicts, and what became of it')).action(async (contractText: string, hookText: string, id: string, o: Output) => {
    const contract = formatAddress(parseAddress(contractText));
    const answer = await (await rpcClient(o)).call<EventAnswer>('hook_event', { contract, hook: hookName(hookText), id }).catch((err: unknown) => notFound(err, `no attestation of event "${id}" of hook "${hookText}" of ${contract}`));
    printResult(o.output, answer, () =>
      table([
        ['event', `${answer.id} of hook "${answer.hook}" of ${answer.contract}`],
        ['status', answer.status],
        ['first seen', `height ${answer.since}`],
        ...Object.entries(answer.votes).map(([hash, who]) => [`payload ${hash.slice(0, 16)}…`, `${who.length}: ${who.join(', ')}`] as [string, string]),
        ...(answer.outcome ? [['outcome', `height ${answer.outcome.height}, tx ${answer.outcome.tx}${answer.outcome.error ? `, failed: ${answer.outcome.error}` : ''}`] as [string, string]] : []),
        ['conflicts', answer.conflicts.length === 0 ? '(none)' : answer.conflicts.map((c) => `${c.attester} at ${c.height}`).join(', ')],
      ]),
    );
  });
  hooks
    .command('declare <dir> <hook>')
    .description(`add or replace a hook in DIR/${HOOKS_FILE} (the contract's bundle), checked as a deploy checks it`)
    .requiredOption('--attesters <list>', 'attesting accounts: addresses, or names of keys in the home, comma-separated')
    .requiredOption('--quorum <k>', 'how many attesters must agree on one payload')
    .option('--keys <list>', "callers' Ed25519 public keys (64 hex digits) or key names: an ed25519 hook")
    .option('--hmac', 'callers sign with an HMAC secret the attesting nodes hold (webhooks.secrets)')
    .option('--method <name>', 'the contract method the event calls, with the body as its argument')
    .option('--signal <transition>', 'the process transition the event signals (the body names the "instance")')
    .option('--gas <n>', 'the most gas the trigger may use (default 1000000)')
    .option('--home <dir>', 'home whose keys the names refer to (default: $CMT_HOME or ~/.cmt/devnet)')
    .action(async (dir: string, hookText: string, o: DeclareOptions) => {
      const path = await declareHook(dir, hookName(hookText), o);
      process.stdout.write(`declared hook "${hookText}" in ${path}\n`);
    });
  signing(hooks.command('sign <contract> <hook>').description(`print the ${SIGNATURE_HEADER} header value for a body (to call a hook with curl)`)).action(async (contractText: string, hookText: string, o: SignOptions) => {
    const contract = parseAddress(contractText);
    const body = await bodyOf(o);
    process.stdout.write(`${await signature(contract, hookName(hookText), body, o)}\n`);
  });
  signing(
    hooks
      .command('post <contract> <hook>')
      .description('call a hook on the given webhook endpoints, as an outside service would, and print each answer')
      .requiredOption('--url <urls>', 'webhook endpoints, comma-separated (e.g. http://127.0.0.1:26659)'),
  )
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (contractText: string, hookText: string, o: SignOptions & { url: string; output: OutputFormat }) => {
      const contract = parseAddress(contractText);
      const hook = hookName(hookText);
      const body = await bodyOf(o);
      const header = await signature(contract, hook, body, o);
      const urls = o.url.split(',').map((u) => u.trim().replace(/\/+$/, '')).filter((u) => u !== '');
      if (urls.length === 0) throw new CommandError('--url lists no endpoint', 'INVALID_ARGUMENT');
      const answers = await Promise.all(
        urls.map(async (url) => {
          try {
            const res = await fetch(`${url}/hooks/${formatAddress(contract)}/${hook}`, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: header }, body });
            // An endpoint's answer is a short JSON object; more than 64 KiB of it is not read.
            const text = new TextDecoder().decode((await res.arrayBuffer()).slice(0, 64 * 1024));
            let answer: Record<string, unknown> = {};
            try {
              answer = JSON.parse(text) as Record<string, unknown>;
            } catch {
              answer = { error: `not JSON: ${text.slice(0, 200)}` };
            }
            return { url, status: res.status, answer };
          } catch (err) {
            return { url, status: 0, answer: { error: (err as Error).message } };
          }
        }),
      );
      printResult(o.output, answers, () => answers.map((a) => `${a.url}: ${a.status === 0 ? 'unreachable' : a.status} ${a.answer.error ?? `${String(a.answer.status)} tx ${String(a.answer.tx)}`}`).join('\n'));
      if (answers.every((a) => a.status !== 202)) process.exitCode = 1;
    });
}
