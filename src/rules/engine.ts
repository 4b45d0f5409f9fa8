/**
 * A rule file from text to a runnable network, compiled once per distinct text and reused
 * (spec/rules.md): parse, check and compile, build the Rete network. Sessions are opened on it.
 */
import { ContentCache } from '../runtime/content-cache.js';
import { compileRuleFile } from './compile.js';
import { buildNetwork, type Network } from './network.js';
import { parseRuleFile } from './parser.js';
import { RuleSession, type SessionOptions } from './session.js';

/** Networks kept for reuse: the least recently used leaves past 64. */
const cache = new ContentCache<Network>(64);

/**
 * The network of `source` (named `file` in errors); a RuleSyntaxError or RuleTypeError when it
 * does not compile. `pay` is told the expression parts compiled (variants counted) as the
 * compile goes; a network found compiled is paid the same in one go, so gas never depends on
 * the cache.
 */
export function compileRules(file: string, source: string, pay: (parts: number) => void = () => undefined): Network {
  return cache.get(
    file,
    source,
    () => buildNetwork(compileRuleFile(parseRuleFile(file, source), pay)),
    (network) => pay(network.file.parts),
  );
}

export function openSession(network: Network, options?: SessionOptions): RuleSession {
  return new RuleSession(network, options);
}
