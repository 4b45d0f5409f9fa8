/**
 * The Rete network of a compiled rule file (spec/rules.md, "The network"): built once per file
 * and shared by every session of it. Alpha nodes test one fact and are shared by every pattern
 * with the same type and tests; beta nodes join, negate, test existence or accumulate, and are
 * shared by rules whose conditions begin alike; a terminal per rule variant feeds the agenda.
 * The nodes hold no facts: a session keeps each node's memory.
 */
import type { CompiledFile, CompiledPattern, CompiledRule, Step } from './compile.js';

export interface AlphaNode {
  id: number;
  type: string;
  tests: CompiledPattern['alpha'];
  weights: number[];
  /** Beta nodes told of every fact that enters or leaves this memory. */
  successors: BetaNode[];
}

export type BetaNode =
  | { id: number; kind: 'root'; children: BetaNode[] }
  | { id: number; kind: 'join' | 'not' | 'exists'; step: Step; alpha: AlphaNode; parent: BetaNode; children: BetaNode[] }
  | { id: number; kind: 'accumulate'; step: Extract<Step, { kind: 'accumulate' }>; alpha: AlphaNode; parent: BetaNode; children: BetaNode[] }
  | { id: number; kind: 'terminal'; rule: CompiledRule; parent: BetaNode; children: BetaNode[] };

export interface Network {
  file: CompiledFile;
  root: BetaNode;
  alphas: AlphaNode[];
  /** Alpha nodes by fact type, for an inserted fact. */
  alphasByType: ReadonlyMap<string, AlphaNode[]>;
  betas: BetaNode[];
  /** Beta nodes that share another rule's node (node sharing at work; shown by tests and benchmarks). */
  shared: number;
}

export function buildNetwork(file: CompiledFile): Network {
  const alphas: AlphaNode[] = [];
  const alphaByKey = new Map<string, AlphaNode>();
  const alphasByType = new Map<string, AlphaNode[]>();
  const root: BetaNode = { id: 0, kind: 'root', children: [] };
  const betas: BetaNode[] = [root];
  const betaByKey = new Map<string, BetaNode>();
  let shared = 0;

  const alphaFor = (p: CompiledPattern): AlphaNode => {
    let node = alphaByKey.get(p.alphaKey);
    if (!node) {
      node = { id: alphas.length, type: p.type, tests: p.alpha, weights: p.alphaWeights, successors: [] };
      alphas.push(node);
      alphaByKey.set(p.alphaKey, node);
      const ofType = alphasByType.get(p.type);
      if (ofType) ofType.push(node);
      else alphasByType.set(p.type, [node]);
    }
    return node;
  };

  for (const rule of file.rules) {
    let parent: BetaNode = root;
    for (const step of rule.steps) {
      const key = `${parent.id}>${step.kind}:${step.pattern.key}`;
      const existing = betaByKey.get(key);
      if (existing) {
        parent = existing;
        shared += 1;
        continue;
      }
      const alpha = alphaFor(step.pattern);
      const node: BetaNode =
        step.kind === 'accumulate' ? { id: betas.length, kind: 'accumulate', step, alpha, parent, children: [] } : { id: betas.length, kind: step.kind, step, alpha, parent, children: [] };
      betas.push(node);
      betaByKey.set(key, node);
      parent.children.push(node);
      alpha.successors.push(node);
      parent = node;
    }
    const terminal: BetaNode = { id: betas.length, kind: 'terminal', rule, parent, children: [] };
    betas.push(terminal);
    parent.children.push(terminal);
  }
  return { file, root, alphas, alphasByType, betas, shared };
}
