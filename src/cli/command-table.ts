/**
 * The top-level commands of `cmt` and the module defining each. The command line loads only the
 * module of the command it runs, so `cmt --help` and commands that need no node start without
 * loading the node, libp2p, the simulator or the contract sandbox (spec/performance.md, "Start-up").
 * A test checks this table against the commands the modules define.
 */
import { Help, type Command } from 'commander';

type Register = (program: Command) => void;

export interface CommandEntry {
  /** The name, then its aliases. */
  names: readonly string[];
  description: string;
  /** Whether the command itself has options: help lists it as `name [options]`. */
  options: boolean;
  /** The function that registers the command (with the others its module defines). */
  load(): Promise<Register>;
}

const node = async (): Promise<Register> => (await import('./commands/node.js')).registerNodeCommands;
const query = async (): Promise<Register> => (await import('./commands/query.js')).registerQueryCommands;

export const COMMANDS: readonly CommandEntry[] = [
  { names: ['devnet'], options: true, description: 'run a single-validator development chain (creates its home with a funded "dev" key on first run)', load: node },
  { names: ['init'], options: true, description: 'create a node home: validator key, config and a genesis with this node as the only validator', load: node },
  { names: ['show-node-id'], options: true, description: "this node's p2p identity: its peer id and the multiaddr peers use to reach it", load: node },
  { names: ['start'], options: true, description: 'run the node of a home created by "cmt init"', load: node },
  { names: ['keys'], options: false, description: 'manage named keys (Ed25519, encrypted with scrypt + AES-256-GCM)', load: async () => (await import('./commands/keys.js')).registerKeyCommands },
  { names: ['tx'], options: false, description: 'sign and send transactions', load: async () => (await import('./commands/tx.js')).registerTxCommands },
  { names: ['status'], options: true, description: "the node's chain, height and validator", load: query },
  { names: ['query', 'q'], options: false, description: 'read accounts, blocks and transactions', load: query },
  { names: ['contract'], options: false, description: 'deploy, call and query smart contracts (spec/contracts.md)', load: async () => (await import('./commands/contract.js')).registerContractCommands },
  { names: ['files'], options: false, description: 'store files on IPFS and register them on chain (spec/files.md)', load: async () => (await import('./commands/files.js')).registerFilesCommands },
  { names: ['testnet'], options: false, description: 'a local network of validator processes on loopback ports', load: async () => (await import('./commands/testnet.js')).registerTestnetCommands },
  { names: ['sim'], options: false, description: 'the deterministic consensus simulator: seeded faults, checked properties, exact replay', load: async () => (await import('./commands/sim.js')).registerSimCommands },
  { names: ['rules'], options: false, description: 'business rules (spec/rules.md): try a rule file off chain', load: async () => (await import('./commands/rules.js')).registerRulesCommands },
  { names: ['process'], options: false, description: 'business processes (spec/processes.md): draw a definition, show an instance', load: async () => (await import('./commands/process.js')).registerProcessCommands },
  { names: ['hooks'], options: false, description: "contracts' webhooks (spec/webhooks.md): declared hooks, events, calling a hook", load: async () => (await import('./commands/hooks.js')).registerHooksCommands },
];

/** The description of the top-level command `name`, for the module that defines it. */
export function describeCommand(name: string): string {
  const entry = COMMANDS.find((c) => c.names[0] === name);
  if (!entry) throw new Error(`no top-level command ${name} in src/cli/command-table.ts`);
  return entry.description;
}

/**
 * The command that `args` (argv after the script) runs: the first word, or the word after
 * `help`. None when the first argument is an option (`cmt --help tx` prints the program's
 * help, as commander does) or names no command.
 */
export function commandOf(args: readonly string[]): CommandEntry | undefined {
  const first = args[0];
  const name = first === 'help' ? args[1] : first;
  if (name === undefined || name.startsWith('-')) return undefined;
  return COMMANDS.find((c) => c.names.includes(name));
}

/**
 * Registers every top-level command as a stub with its name and description, so the program's
 * help and its answer to an unknown command (with a suggestion) are those of the full program.
 */
export function registerStubs(program: Command): void {
  const withOptions = new Set<string>();
  for (const c of COMMANDS) {
    const stub = program.command(c.names[0] as string).description(c.description);
    for (const alias of c.names.slice(1)) stub.alias(alias);
    if (c.options) withOptions.add(c.names[0] as string);
  }
  // A stub has no options or arguments of its own; what commander would show after its name is added.
  const help = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => help.subcommandTerm(cmd) + (withOptions.has(cmd.name()) ? ' [options]' : '') });
}
