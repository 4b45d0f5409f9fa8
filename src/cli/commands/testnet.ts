/** `cmt testnet start|status|stop|reset|kill|restart`: a local multi-node network in one command. */
import { access, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONSENSUS_PARAMS } from '../../codec/params.js';
import { createTestnet, MANIFEST_FILE, readTestnet, type TestnetManifest, type TestnetNode } from '../../node/testnet-homes.js';
import { LOCAL_STAKING_PARAMS } from '../../node/local-staking-params.js';
import { optionParser, parseNonNegativeInt, parsePositiveInt, parseStakeList } from '../arguments.js';
import { CommandError, parseOutputFormat, printResult, table, type OutputFormat } from '../output.js';
import { freePort, launchNode, probeNode, readPid, rpcUrlOf, stopNode, waitForHeights, type NodeProbe } from '../testnet-processes.js';
import { describeCommand } from '../command-table.js';

const DEFAULT_DIR = '.testnet';
const READY_HEIGHT = 2;
const WATCH_MS = 2000;

interface DirOption {
  dir: string;
}

interface StartOptions {
  validators?: number;
  stakes?: bigint[];
  delegators: number;
  powerCap: number;
  epochBlocks: number;
  fullNodes: number;
  chainId: string;
  blockTime?: number;
  detach?: boolean;
  logLevel: string;
}

function grid(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function nodeTable(manifest: TestnetManifest, probes: NodeProbe[]): string {
  return grid(
    ['name', 'role', 'rpc', 'peer id', 'validator address', 'height'],
    manifest.nodes.map((n, i) => [n.name, n.role, rpcUrlOf(n), n.peerId, n.role === 'validator' ? n.validatorAddress : '-', String(probes[i]?.height ?? '-')]),
  );
}

function findNode(manifest: TestnetManifest, name: string, dir: string): TestnetNode {
  const node = manifest.nodes.find((n) => n.name === name);
  if (!node) throw new CommandError(`no node "${name}" in the testnet at ${dir} (nodes: ${manifest.nodes.map((n) => n.name).join(', ')})`, 'INVALID_ARGUMENT');
  return node;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function stopAll(manifest: TestnetManifest): Promise<number> {
  const stopped = await Promise.all(manifest.nodes.map((n) => stopNode(n)));
  return stopped.filter(Boolean).length;
}

export function registerTestnetCommands(program: Command): void {
  const testnet = program.command('testnet').description(describeCommand('testnet'));
  const dirOption = (cmd: Command): Command => cmd.option('--dir <dir>', 'where the node homes live', DEFAULT_DIR);

  testnet
    .command('chaos <scenario>')
    .description('applies a scenario file (spec/faults.md), Byzantine validators included, to a new testnet of real processes in real time, listening to the gossip; then checks agreement, validity, double signs and liveness')
    .option('--dir <dir>', 'where the new testnet is made (must not hold one)', '.chaos-testnet')
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (file: string, o: { dir: string; output: OutputFormat }) => {
      const dir = resolve(o.dir);
      if (await exists(join(dir, MANIFEST_FILE))) throw new CommandError(`${o.dir} already holds a testnet: choose another --dir, or "cmt testnet reset --dir ${o.dir}"`, 'INVALID_ARGUMENT');
      // The chaos runner and the simulator's checkers load only for this command.
      const [{ runChaos }, { loadScenario }, { PROPERTIES }] = await Promise.all([import('../chaos-runner.js'), import('../../sim/scenario.js'), import('../../sim/checkers.js')]);
      const scenario = await loadScenario(file);
      const { run, check, heights, gossip } = await runChaos(scenario, dir, (line) => {
        if (o.output === 'text') process.stdout.write(line + '\n');
      });
      const violated = PROPERTIES.filter((p) => check.violations.some((v) => v.property === p));
      printResult(
        o.output,
        {
          runs: 1,
          violations: Object.fromEntries(PROPERTIES.map((p) => [p, violated.includes(p) ? 1 : 0])),
          traces: [],
          heights,
          livenessChecked: check.livenessChecked,
          accountability: check.accountability,
          details: check.violations,
          byzantine: Object.fromEntries(run.validators.filter((v) => v.byzantine).map((v) => [v.name, v.byzantine])),
          // Validators named by evidence: conflicting votes heard on the gossip, forks, committed evidence.
          evidence: run.validators.filter((v) => run.evidence.includes(v.address)).map((v) => v.name),
          doubleSigns: run.doubleSigns,
          gossip,
          faults: run.faults,
          // When (ms after the start) each node was first seen at each height.
          commits: Object.fromEntries(run.validators.map((v, i) => [v.name, (run.decisions[i] ?? []).map((d) => [d.height, d.at])])),
        },
        () =>
          [
            table([
              ['scenario', `${scenario.name} on ${run.validators.length} real processes in ${o.dir}`],
              ['heights', Object.entries(heights).map(([name, h]) => `${name} ${h}`).join(', ')],
              ['byzantine', run.validators.filter((v) => v.byzantine).map((v) => `${v.name} ${v.byzantine}`).join(', ') || 'none'],
              ['evidence names', run.validators.filter((v) => run.evidence.includes(v.address)).map((v) => v.name).join(', ') || 'nobody'],
              ['gossip heard', `${gossip.stats.votes} votes, ${gossip.stats.proposals} proposals, ${gossip.stats.evidence} evidence, ${gossip.stats.unverified} unverified`],
              ...PROPERTIES.map((p): [string, string] => [p, violated.includes(p) ? 'VIOLATED' : !check.judged.includes(p) ? `not judged (${p === 'liveness' ? check.liveness.reason : 'no fork'})` : 'ok']),
              ['logs', join(o.dir, '<name>', 'node.log')],
            ]),
            ...check.violations.map((v) => `  ${v.property}: ${v.message}`),
          ].join('\n'),
      );
      if (violated.length > 0) process.exitCode = 1;
    });

  dirOption(testnet.command('start'))
    .description('create (once) and start a testnet; stays in the foreground until Ctrl-C unless --detach')
    .option('--validators <n>', 'number of validators (new testnets only; default 4, or one per --stakes item)', optionParser(parsePositiveInt))
    .option('--stakes <list>', 'self-stake of each validator in CMT, e.g. 100,100,50,50 (new testnets only; default 10000 each)', optionParser(parseStakeList))
    .option('--delegators <n>', 'funded accounts without a validator, for delegating (new testnets only)', optionParser(parseNonNegativeInt), 2)
    .option('--power-cap <bps>', 'cap on one validator\'s share of voting power in basis points, 0 = off (new testnets only)', optionParser(parseNonNegativeInt), 0)
    .option('--epoch-blocks <n>', 'blocks between validator-set elections (new testnets only)', optionParser(parsePositiveInt), LOCAL_STAKING_PARAMS.epochBlocks)
    .option('--full-nodes <k>', 'number of non-validating nodes (new testnets only)', optionParser(parseNonNegativeInt), 0)
    .option('--chain-id <id>', 'chain id (new testnets only)', 'cmt-testnet')
    .option('--block-time <ms>', 'pause after each block in ms (new testnets only)', optionParser(parsePositiveInt))
    .option('--detach', 'return once every node is up, leaving them running')
    .option('--log-level <level>', 'node log level', 'info')
    .action(async (options: DirOption & StartOptions) => {
      const dir = resolve(options.dir);
      let manifest: TestnetManifest;
      let created = false;
      if (await exists(join(dir, MANIFEST_FILE))) {
        manifest = await readTestnet(dir);
      } else {
        const validators = options.validators ?? options.stakes?.length ?? 4;
        if (options.stakes && options.stakes.length !== validators) {
          throw new CommandError(`--stakes lists ${options.stakes.length} stakes for ${validators} validators`, 'INVALID_ARGUMENT');
        }
        if (options.powerCap > 10_000) throw new CommandError(`--power-cap is in basis points (0-10000), got ${options.powerCap}`, 'INVALID_ARGUMENT');
        manifest = await createTestnet({
          dir,
          validators,
          ...(options.stakes ? { stakes: options.stakes } : {}),
          delegators: options.delegators,
          stakingParams: { validatorPowerCapBps: options.powerCap, epochBlocks: options.epochBlocks },
          fullNodes: options.fullNodes,
          chainId: options.chainId,
          freePort,
          consensusParams: options.blockTime
            ? { ...DEFAULT_CONSENSUS_PARAMS, timeouts: { ...DEFAULT_CONSENSUS_PARAMS.timeouts, nextBlockDelay: options.blockTime } }
            : DEFAULT_CONSENSUS_PARAMS,
        });
        created = true;
      }
      let interrupted = false;
      const onSignal = (): void => {
        if (interrupted) process.exit(130);
        interrupted = true;
        process.stdout.write('\nstopping the testnet...\n');
        void stopAll(manifest).then((n) => {
          process.stdout.write(`stopped ${n} node(s); "cmt testnet start --dir ${options.dir}" continues the same chain\n`);
          process.exit(0);
        });
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await Promise.all(manifest.nodes.map((n) => launchNode(n, { logLevel: options.logLevel })));
        const probes = await waitForHeights(manifest.nodes, READY_HEIGHT, 60_000);
        process.stdout.write(
          [
            `cmt testnet "${manifest.chainId}" in ${dir}${created ? ' (created)' : ''}: every node is past height ${READY_HEIGHT - 1}`,
            '',
            nodeTable(manifest, probes),
            '',
            `funded accounts (no passphrase, in every node's keys): ${manifest.accounts.map((a) => `${a.name} ${a.address}`).join(', ')}`,
            `try: cmt tx send --home ${join(options.dir, 'node0')} --node ${rpcUrlOf(manifest.nodes[0] as TestnetNode)} --from account0 --to <address> --amount 5cmt`,
            `dashboard: ${rpcUrlOf(manifest.nodes[0] as TestnetNode)}/ui/ (every node serves one at /ui/ on its RPC port)`,
            'webhooks (POST /hooks/<contract>/<hook>; each validator attests with its operator account):',
            ...manifest.nodes.filter((n) => n.webhookPort !== undefined).map((n) => `  ${n.name} http://127.0.0.1:${n.webhookPort} (${n.attester ?? ''} ${manifest.accounts.find((a) => a.name === n.attester)?.address ?? ''})`),
            `logs: ${join(options.dir, '<name>', 'node.log')}`,
            options.detach ? `stop with: cmt testnet stop --dir ${options.dir}` : 'stop with Ctrl-C',
          ].join('\n') + '\n',
        );
      } catch (err) {
        if (!options.detach) await stopAll(manifest);
        throw err;
      }
      if (options.detach) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        return;
      }
      // Foreground: the nodes run until Ctrl-C (the handler above stops them and exits). The
      // watch keeps this process alive and says when a node stops for any other reason.
      const down = new Set<string>();
      setInterval(() => {
        void Promise.all(
          manifest.nodes.map(async (n) => {
            const running = (await readPid(n)) !== null;
            if (!running && !down.has(n.name)) process.stdout.write(`${n.name} is not running (see ${join(n.home, 'node.log')})\n`);
            if (running && down.has(n.name)) process.stdout.write(`${n.name} is running again\n`);
            if (running) down.delete(n.name);
            else down.add(n.name);
          }),
        );
      }, WATCH_MS);
    });

  dirOption(testnet.command('status'))
    .description('name, pid, RPC, height, round and peers of every node')
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (options: DirOption & { output: OutputFormat }) => {
      const manifest = await readTestnet(resolve(options.dir));
      const probes = await Promise.all(manifest.nodes.map(probeNode));
      const webhooks = (name: string): string | null => {
        const port = manifest.nodes.find((n) => n.name === name)?.webhookPort;
        return port === undefined ? null : `http://127.0.0.1:${port}`;
      };
      const json = probes.map((p) => ({ name: p.name, pid: p.pid, rpc: p.rpc, webhooks: webhooks(p.name), height: p.height, round: p.round, peers: p.peers }));
      printResult(options.output, json, () =>
        grid(
          ['name', 'pid', 'rpc', 'webhooks', 'height', 'round', 'peers'],
          probes.map((p) => [p.name, p.pid === null ? 'stopped' : String(p.pid), p.rpc, webhooks(p.name) ?? '-', String(p.height ?? '-'), String(p.round ?? '-'), String(p.peers ?? '-')]),
        ),
      );
    });

  dirOption(testnet.command('stop'))
    .description('stop every node cleanly')
    .action(async (options: DirOption) => {
      const n = await stopAll(await readTestnet(resolve(options.dir)));
      process.stdout.write(`stopped ${n} node(s)\n`);
    });

  dirOption(testnet.command('reset'))
    .description('stop every node and delete the testnet directory')
    .action(async (options: DirOption) => {
      const dir = resolve(options.dir);
      if (await exists(join(dir, MANIFEST_FILE))) await stopAll(await readTestnet(dir));
      else if (await exists(dir)) throw new CommandError(`${dir} is not a testnet directory (no ${MANIFEST_FILE}); not deleting it`, 'NO_TESTNET');
      await rm(dir, { recursive: true, force: true });
      process.stdout.write(`deleted ${dir}\n`);
    });

  dirOption(testnet.command('kill <name>'))
    .description('kill -9 one node, as a crash would')
    .action(async (name: string, options: DirOption) => {
      const manifest = await readTestnet(resolve(options.dir));
      const killed = await stopNode(findNode(manifest, name, options.dir), 'SIGKILL');
      process.stdout.write(killed ? `killed ${name}\n` : `${name} was not running\n`);
    });

  dirOption(testnet.command('restart <name>'))
    .description('kill -9 one node, then start it again from its home')
    .action(async (name: string, options: DirOption) => {
      const manifest = await readTestnet(resolve(options.dir));
      const node = findNode(manifest, name, options.dir);
      await stopNode(node, 'SIGKILL');
      const pid = await launchNode(node);
      process.stdout.write(`restarted ${name} (pid ${pid})\n`);
    });
}
