/**
 * `cmt process render FILE` draws a process definition (jPDL or BPMN) as SVG, off chain;
 * `cmt process show CONTRACT ID` prints an instance of a contract's process: its status,
 * tokens, variables and deposit, and its history, step by step (spec/processes.md).
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { formatCmt } from '../../codec/amount.js';
import { formatAddress, parseAddress } from '../../crypto/address.js';
import { ProcessDefinitionError, PROCESS_LIMITS } from '../../process/model.js';
import { RpcClientError } from '../../rpc/client.js';
import { RPC_NOT_FOUND } from '../../rpc/errors.js';
import { optionParser, parsePositiveInt } from '../arguments.js';
import { rpcClient, type CommonOptions } from '../context.js';
import { CommandError, parseOutputFormat, printResult, table, type OutputFormat } from '../output.js';
import { describeCommand } from '../command-table.js';

interface InstanceAnswer {
  contract: string;
  id: string;
  process: string;
  file: string;
  status: string;
  tokens: { id: number; node: string; name: string; since: number }[];
  vars: Record<string, unknown>;
  steps: number;
  deposit: string;
  startedAt: number;
  endedAt: number | null;
  history: { seq: number; height: number; tx: string; token: number; from: string; transition: string; to: string; by: string }[];
  more: boolean;
}

function parseCount(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new CommandError(`"${text.slice(0, 40)}" is not a whole number`, 'INVALID_ARGUMENT');
  return Number(text);
}

function instanceText(a: InstanceAnswer): string {
  const head = table([
    ['contract', a.contract],
    ['instance', `${a.id} of "${a.process}" (${a.file})`],
    ['status', a.status],
    ['started', `height ${a.startedAt}`],
    ...(a.endedAt === null ? [] : [['ended', `height ${a.endedAt}`] as [string, string]]),
    ['tokens', a.tokens.length === 0 ? '(none)' : a.tokens.map((t) => `${t.name} (token ${t.id}, since ${t.since})`).join('; ')],
    ['variables', JSON.stringify(a.vars)],
    ['deposit', formatCmt(BigInt(a.deposit))],
    ['steps', String(a.steps)],
  ]);
  const rows = a.history.map((s) => `${String(s.seq).padStart(4)}  ${String(s.height).padStart(7)}  ${s.by.padEnd(6)}  ${s.from} --${s.transition}--> ${s.to}  ${s.tx === '' ? '(timer)' : `${s.tx.slice(0, 12)}…`}`);
  return [head, '', 'step   height  by      transition                                  tx', ...rows, ...(a.more ? [`… more steps: --from ${(a.history.at(-1)?.seq ?? 0) + 1}`] : [])].join('\n');
}

export function registerProcessCommands(program: Command): void {
  const process = program.command('process').description(describeCommand('process'));
  process
    .command('render <file>')
    .description('draw a process definition (*.jpdl.xml or *.bpmn) as SVG; a definition that does not check prints why and exits 1')
    .option('--out <file>', 'write the SVG there (default: standard output)')
    .option('--process <name>', 'which process of a BPMN file holding several (default: the first)')
    .action(async (file: string, o: { out?: string; process?: string }) => {
      // The BPMN parser and the layout engine load only for this command.
      const [{ compileProcessFile, isProcessFile }, { renderSvg }] = await Promise.all([import('../../process/definition.js'), import('../../process/render.js')]);
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) throw new CommandError(`no process file at ${file}`, 'INVALID_ARGUMENT');
      if (!isProcessFile(file)) throw new CommandError(`${file}: a process file is *.jpdl.xml (jPDL) or *.bpmn (BPMN 2.0)`, 'INVALID_ARGUMENT');
      if (info.size > PROCESS_LIMITS.fileBytes) throw new CommandError(`${file} is ${info.size} bytes; at most ${PROCESS_LIMITS.fileBytes}`, 'INVALID_ARGUMENT');
      let definitions;
      try {
        definitions = compileProcessFile(basename(file), await readFile(file, 'utf8'));
      } catch (err) {
        if (err instanceof ProcessDefinitionError) throw new CommandError(err.message, 'PROCESS_INVALID');
        throw err;
      }
      const def = o.process === undefined ? definitions[0] : definitions.find((d) => d.name === o.process);
      if (!def) throw new CommandError(`${file} has no process "${o.process ?? ''}"; it has ${definitions.map((d) => `"${d.name}"`).join(', ')}`, 'INVALID_ARGUMENT');
      const svg = renderSvg(def);
      if (o.out) {
        await writeFile(o.out, `${svg}\n`);
        console.error(`wrote ${o.out} (${def.nodes.size} nodes of "${def.name}")`);
      } else globalThis.process.stdout.write(`${svg}\n`);
    });
  process
    .command('show <contract> <id>')
    .description("an instance of a contract's process: status, tokens, variables, deposit, and its history with each step's block and transaction")
    .option('--from <n>', 'the first step of the history shown', '0')
    .option('--limit <n>', 'how many steps (at most 1000)', optionParser(parsePositiveInt), 100)
    .option('--node <url>', 'RPC address (default: $CMT_NODE, the home config, or http://127.0.0.1:26657)')
    .option('--home <dir>', 'home naming the node (default: $CMT_HOME or ~/.cmt/devnet)')
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (contractText: string, idText: string, o: CommonOptions & { from: string; limit: number; output: OutputFormat }) => {
      const contract = formatAddress(parseAddress(contractText));
      const id = parsePositiveInt(idText);
      if (o.limit > 1000) throw new CommandError('--limit is at most 1000', 'INVALID_ARGUMENT');
      const client = await rpcClient(o);
      const answer = await client.call<InstanceAnswer>('process_instance', { contract, id: String(id), from: String(parseCount(o.from)), limit: String(o.limit) }).catch((err: unknown) => {
        if (err instanceof RpcClientError && err.rpcCode === RPC_NOT_FOUND) throw new CommandError(`${contract} has no process instance ${id}`, 'NOT_FOUND');
        throw err;
      });
      printResult(o.output, answer, () => instanceText(answer));
    });
}
