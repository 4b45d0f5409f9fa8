/** The `cmt` program before its commands are added: name, description, version, how it fails. */
import { Command } from 'commander';
import { NODE_VERSION } from '../node/version.js';

export function cmtProgram(): Command {
  return new Command('cmt')
    .description('cmt: a CyberMiles-style blockchain node (Tendermint BFT, CMT token)')
    .version(NODE_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
}
