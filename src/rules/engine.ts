/**
 * A rule file from text to a runnable network, compiled once per distinct text and reused
 * (spec/rules.md): parse, check and compile, build the Rete network. Sessions are opened on it.
 */
import { createHash } from 'node:crypto';
import { compileRuleFile } from './compile.js';
import { buildNetwork, type Network } from './network.js';
import { parseRuleFile } from './parser.js';
import { RuleSession, type SessionOptions } from './session.js';

/** Networks kept for reuse, newest last; the oldest leaves past this many. */
const CACHED_NETWORKS = 64;
const cache = new Map<string, Network>();

/**
 * The network of `source` (named `file` in errors); a RuleSyntaxError or RuleTypeError when it
 * does not compile. `pay` is told the expression parts compiled (variants counted) as the
 * compile goes; a network found compiled is paid the same in one go, so gas never depends on
 * the cache.
 */
export function compileRules(file: string, source: string, pay: (parts: number) => void = () => undefined): Network {
  const key = createHash('sha256').update(file).update('\0').update(source).digest('hex');
  const cached = cache.get(key);
  if (cached) {
    cache.delete(key);
    cache.set(key, cached);
    pay(cached.file.parts);
    return cached;
  }
  const network = buildNetwork(compileRuleFile(parseRuleFile(file, source), pay));
  cache.set(key, network);
  if (cache.size > CACHED_NETWORKS) cache.delete(cache.keys().next().value as string);
  return network;
}

export function openSession(network: Network, options?: SessionOptions): RuleSession {
  return new RuleSession(network, options);
}
