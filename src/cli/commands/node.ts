/** `cmt devnet`, `cmt init`, `cmt start`: make a home and run a node from it. */
import { access, rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatCmt, ONE_CMT, parseAmount } from '../../codec/amount.js';
import { addressFromPublicKey, formatAddress, parseAddress } from '../../crypto/address.js';
import { KeyDirectory } from '../../crypto/key-directory.js';
import type { NodeConfig } from '../../node/config.js';
import { BYZANTINE_STRATEGIES, isByzantineStrategy, type ByzantineStrategyName } from '../../node/byzantine.js';
import { isLocalChain, LOCAL_CHAIN_ID_PREFIXES } from '../../node/local-chain.js';
import { homePaths } from '../../node/home.js';
import { readConfigFile } from '../../node/config.js';
import { readGenesisFile } from '../../node/genesis.js';
import { createLogger, type LogFormat } from '../../node/logger.js';
import { CommandError, table } from '../output.js';
import { resolveHome } from '../context.js';
import { parseNonNegativeInt, parsePort, parsePositiveInt, optionParser } from '../arguments.js';
import { describeCommand } from '../command-table.js';

interface RunOptions {
  home?: string;
  rpcPort?: number;
  rpcHost?: string;
  logLevel?: string;
  logFormat: LogFormat;
  retainBlocks?: number;
  chaosAdminPort?: number;
  byzantine?: ByzantineStrategyName;
}

function parseByzantineStrategy(value: string): ByzantineStrategyName {
  if (!isByzantineStrategy(value)) throw new CommandError(`unknown Byzantine strategy "${value}"; known: ${BYZANTINE_STRATEGIES.join(', ')}`, 'INVALID_ARGUMENT');
  return value;
}

function parseLogFormat(value: string): LogFormat {
  if (value !== 'text' && value !== 'json') throw new CommandError(`expected text or json, got "${value}"`, 'INVALID_ARGUMENT');
  return value;
}

const DEV_BALANCE = 1_000_000_000n * ONE_CMT;
/**
 * The devnet validator's self-stake: large, so that a candidate declared on the devnet to try
 * staking joins the set without outweighing the only validator that actually runs.
 */
const DEV_SELF_STAKE = 100_000_000n * ONE_CMT;

function overrides(options: RunOptions): (c: NodeConfig) => NodeConfig {
  return (c) => ({
    ...c,
    rpc: { ...c.rpc, port: options.rpcPort ?? c.rpc.port, host: options.rpcHost ?? c.rpc.host },
    storage: { ...c.storage, retainBlocks: options.retainBlocks ?? c.storage.retainBlocks },
    logLevel: (options.logLevel as NodeConfig['logLevel'] | undefined) ?? c.logLevel,
  });
}

function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--home <dir>', 'node home directory (default: $CMT_HOME or ~/.cmt/devnet)')
    .option('--rpc-port <port>', 'RPC port (default from config: 26657)', optionParser(parsePort))
    .option('--rpc-host <host>', 'RPC listen address (default from config: 127.0.0.1)')
    .option('--log-level <level>', 'trace|debug|info|warn|error|silent')
    .option('--retain-blocks <n>', 'keep only the last N blocks and their index (0 keeps all; default from config)', optionParser(parseNonNegativeInt))
    .option('--log-format <format>', 'text|json', optionParser(parseLogFormat), 'text')
    .option('--chaos-admin-port <port>', 'open the fault-injection admin endpoint on 127.0.0.1:PORT (cmt testnet chaos; never on a real network)', optionParser(parsePort));
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function runForeground(home: string, options: RunOptions, banner?: (rpcUrl: string) => string): Promise<void> {
  const logger = createLogger({ level: options.logLevel ?? 'info', format: options.logFormat });
  // The node's modules (libp2p, the executor) load only for the commands that run one.
  const { runNode, stopOnSignals } = await import('../run-node.js');
  const running = await runNode(home, logger, overrides(options), {
    ...(options.chaosAdminPort !== undefined ? { chaosAdminPort: options.chaosAdminPort } : {}),
    ...(options.byzantine ? { byzantine: options.byzantine } : {}),
  });
  if (banner) process.stdout.write(banner(running.rpc.url) + '\n');
  stopOnSignals(running, logger);
  await running.stopped;
}

export function registerNodeCommands(program: Command): void {
  addRunOptions(
    program
      .command('devnet')
      .description(describeCommand('devnet'))
      .option('--reset', 'delete the devnet home first and start a new chain')
      .option('--block-time <ms>', 'pause after each block, in ms (new chains only)', optionParser(parsePositiveInt)),
  ).action(async (options: RunOptions & { reset?: boolean; blockTime?: number }) => {
    const home = resolveHome(options);
    const paths = homePaths(home);
    if (options.reset) await rm(paths.root, { recursive: true, force: true });
    let created = false;
    if (!(await exists(paths.genesis))) {
      const { initHome } = await import('../../node/init-home.js');
      await initHome({
        home,
        chainId: 'cmt-devnet',
        moniker: 'devnet',
        devKey: { name: 'dev', balance: DEV_BALANCE, selfStake: DEV_SELF_STAKE },
        ...(options.blockTime ? { consensusParams: { timeouts: { nextBlockDelay: options.blockTime } } } : {}),
      });
      created = true;
    }
    const dev = await new KeyDirectory(paths.keys).get('dev').catch(() => undefined);
    await runForeground(home, options, (rpcUrl) =>
      [
        '',
        'cmt devnet: a single-validator development chain',
        table([
          ['home', `${paths.root}${created ? ' (created)' : ''}`],
          ['chain id', 'cmt-devnet'],
          ['RPC', rpcUrl],
          ['dashboard', `${rpcUrl}/ui/`],
          ['dev key', dev ? `dev ${dev.address} (no passphrase: for development only)` : '(none)'],
          ['dev funds', created ? `${formatCmt(DEV_BALANCE - DEV_SELF_STAKE)} (and ${formatCmt(DEV_SELF_STAKE)} staked on the validator)` : 'see: cmt query account ' + (dev?.address ?? '<address>')],
        ]),
        'Try: cmt keys add bob && cmt tx send --from dev --to <bob address> --amount 5cmt',
        'Stop with Ctrl-C; run again to continue the same chain (--reset starts over).',
        '',
      ].join('\n'),
    );
  });

  program
    .command('init')
    .description(describeCommand('init'))
    .option('--home <dir>', 'node home directory (default: $CMT_HOME or ~/.cmt/devnet)')
    .option('--chain-id <id>', 'chain id', 'cmt-local')
    .option('--moniker <name>', 'node name', 'cmt-node')
    .option('--power <n>', "this validator's voting power", optionParser(parsePositiveInt), 10)
    .option('--account <address=amount...>', 'fund an account at genesis, e.g. 0xab..=1000cmt (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--rpc-port <port>', 'RPC port written to config', optionParser(parsePort))
    .option('--genesis <file>', "join an existing chain: use its genesis.json instead of making a new one")
    .option('--peers <multiaddrs>', 'comma-separated persistent peers, /ip4/H/tcp/P/p2p/ID (see "cmt show-node-id" on the peer)')
    .option('--p2p-host <host>', 'p2p listen address (0.0.0.0 to accept peers from other machines)')
    .option('--p2p-port <port>', 'p2p port (default 26656)', optionParser(parsePort))
    .action(async (options: { home?: string; chainId: string; moniker: string; power: number; account: string[]; rpcPort?: number; genesis?: string; peers?: string; p2pHost?: string; p2pPort?: number }) => {
      if (options.genesis && options.account.length > 0) throw new CommandError('--account cannot change a genesis given with --genesis', 'INVALID_ARGUMENT');
      // These ids mark the throw-away chains `cmt testnet` and the tests make, on which --byzantine runs: a real chain must not carry one.
      if (!options.genesis && isLocalChain(options.chainId)) {
        throw new CommandError(`chain id "${options.chainId}" is reserved for local test chains (${LOCAL_CHAIN_ID_PREFIXES.join(', ')} and their "-…" forms, made by cmt testnet and the tests); choose another id`, 'INVALID_ARGUMENT');
      }
      const joined = options.genesis ? await readGenesisFile(options.genesis) : undefined;
      const peers = options.peers ? options.peers.split(',').map((p) => p.trim()).filter((p) => p !== '') : [];
      const accounts = options.account.map((entry) => {
        const [address, amount] = entry.split('=');
        if (!address || !amount) throw new CommandError(`--account expects ADDRESS=AMOUNT, got "${entry}"`, 'INVALID_ARGUMENT');
        return { address: parseAddress(address), balance: parseAmount(amount) };
      });
      const home = resolveHome(options);
      // A node's key (libp2p's crypto) loads only for the commands that make or read one.
      const [{ initHome }, { loadOrCreateNodeKey }] = await Promise.all([import('../../node/init-home.js'), import('../../p2p/node-key.js')]);
      const made = await initHome({
        home,
        chainId: options.chainId,
        moniker: options.moniker,
        validatorPower: options.power,
        accounts,
        ...(joined ? { genesis: joined } : {}),
        config: (c) => ({
          ...c,
          rpc: { ...c.rpc, port: options.rpcPort ?? c.rpc.port },
          p2p: { ...c.p2p, host: options.p2pHost ?? c.p2p.host, port: options.p2pPort ?? c.p2p.port, persistentPeers: peers },
        }),
      });
      // The config parser checks peer addresses; reading it back reports a bad --peers now, not at start.
      await readConfigFile(made.paths.config);
      const validator = made.genesis.validators.some((v) => formatAddress(addressFromPublicKey(v.publicKey)) === formatAddress(made.validatorAddress));
      process.stdout.write(
        table([
          ['home', made.paths.root],
          ['chain id', made.genesis.chainId],
          ['validator', `${formatAddress(made.validatorAddress)}${validator ? '' : ' (not in genesis: a full node)'}`],
          ['node id', (await loadOrCreateNodeKey(made.paths.nodeKey)).peerId],
          ['genesis', made.paths.genesis],
        ]) + `\nStart it with: cmt start --home ${made.paths.root}\n`,
      );
    });

  program
    .command('show-node-id')
    .description(describeCommand('show-node-id'))
    .option('--home <dir>', 'node home directory (default: $CMT_HOME or ~/.cmt/devnet)')
    .action(async (options: { home?: string }) => {
      const paths = homePaths(resolveHome(options));
      const { loadOrCreateNodeKey } = await import('../../p2p/node-key.js');
      const [key, config] = await Promise.all([loadOrCreateNodeKey(paths.nodeKey), readConfigFile(paths.config)]);
      const host = config.p2p.host === '0.0.0.0' ? '<this machine\'s IP>' : config.p2p.host;
      process.stdout.write(`${key.peerId}\n/ip4/${host}/tcp/${config.p2p.port}/p2p/${key.peerId}\n`);
    });

  addRunOptions(program.command('start').description(describeCommand('start')))
    .option(
      '--byzantine <strategy>',
      `for cmt testnet chaos and tests only: this validator misbehaves (${BYZANTINE_STRATEGIES.join('|')}); refused unless the chain id is a local test chain's (spec/faults.md)`,
      optionParser(parseByzantineStrategy),
    )
    .action(async (options: RunOptions) => {
    await runForeground(resolveHome(options), options);
  });
}
