/** Runs the built `cmt` command as a separate process, as a user would. */
import { execFile } from 'node:child_process';
import { CLI_MAIN } from '../../src/cli/node-process.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `timeoutMs`: the command is killed after this long (its code is then non-zero). */
export function cmt(args: string[], env: NodeJS.ProcessEnv = {}, input?: string, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI_MAIN, ...args], { env: { ...process.env, CMT_PASSPHRASE: undefined, CMT_HOME: undefined, CMT_NODE: undefined, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}
