/**
 * `npm run profile` asks a benchmark, through its environment, to run its first node under
 * clinic (CMT_PROFILE: flame or doctor; CMT_PROFILE_DIR: where clinic writes its data and HTML).
 */
import { createRequire } from 'node:module';

export const PROFILE_TOOLS = ['flame', 'doctor'] as const;
export type ProfileTool = (typeof PROFILE_TOOLS)[number];

/** The command line that runs a node under the clinic tool asked for, to put before `node …`; undefined when not profiling. */
export function clinicWrapper(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const tool = env.CMT_PROFILE;
  const dir = env.CMT_PROFILE_DIR;
  if (!tool || !dir) return undefined;
  if (!(PROFILE_TOOLS as readonly string[]).includes(tool)) throw new Error(`CMT_PROFILE must be one of ${PROFILE_TOOLS.join(', ')}, got "${tool}"`);
  const clinic = createRequire(import.meta.url).resolve('clinic/bin.js');
  // Without NO_INSIGHT clinic asks about telemetry and, with no terminal to ask, exits without profiling.
  env.NO_INSIGHT = '1';
  return [process.execPath, clinic, tool, '--no-open', '--dest', dir, '--'];
}
