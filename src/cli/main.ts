#!/usr/bin/env node
/** The `cmt` command. Exit codes: 0 success, 1 a failure with a message, 2 bad usage. */
import { Command, CommanderError } from 'commander';
import { CmtError } from '../codec/errors.js';
import { NODE_VERSION } from '../node/version.js';
import { USAGE_ERROR_CODES } from './arguments.js';
import { registerContractCommands } from './commands/contract.js';
import { registerFilesCommands } from './commands/files.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerNodeCommands } from './commands/node.js';
import { registerQueryCommands } from './commands/query.js';
import { registerProcessCommands } from './commands/process.js';
import { registerHooksCommands } from './commands/hooks.js';
import { registerRulesCommands } from './commands/rules.js';
import { registerSimCommands } from './commands/sim.js';
import { registerTestnetCommands } from './commands/testnet.js';
import { registerTxCommands } from './commands/tx.js';

const program = new Command('cmt')
  .description('cmt: a CyberMiles-style blockchain node (Tendermint BFT, CMT token)')
  .version(NODE_VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerNodeCommands(program);
registerKeyCommands(program);
registerTxCommands(program);
registerQueryCommands(program);
registerContractCommands(program);
registerFilesCommands(program);
registerTestnetCommands(program);
registerSimCommands(program);
registerRulesCommands(program);
registerProcessCommands(program);
registerHooksCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are "errors" to commander; real usage errors were already printed.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof CmtError) {
    process.stderr.write(`error: ${err.message} [${err.code}]\n`);
    process.exitCode = USAGE_ERROR_CODES.has(err.code) ? 2 : 1;
  } else {
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
