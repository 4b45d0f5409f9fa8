/**
 * The design's purchase process, as written (examples/purchase/purchase.jpdl.xml): it compiles,
 * starts at "evaluate", a disapproval ends it, and an approval forks three branches that the
 * parties complete in any order, the last one ending it; every step is in the history.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileProcessFile } from '../../src/process/definition.js';
import { ProcessRefusal, signalInstance, startInstance, type ProcessInstance, type ProcessStep } from '../../src/process/instance.js';
import type { ProcessDefinition } from '../../src/process/model.js';
import { stepContext } from '../support/process-context.js';

const PURCHASE = readFileSync(new URL('../../examples/purchase/purchase.jpdl.xml', import.meta.url), 'utf8');
const BRANCHES = ['decrement inventory', 'credit seller', 'deduct from buyer'];

function purchase(): ProcessDefinition {
  const [def] = compileProcessFile('purchase.jpdl.xml', PURCHASE);
  return def as ProcessDefinition;
}

const at = (i: ProcessInstance): string[] => i.tokens.map((t) => t.node).sort();

describe('the purchase process', () => {
  it('compiles to the model: seven nodes, one start, the fork with three ways out', () => {
    const def = purchase();
    expect(def.name).toBe('purchase process');
    expect(def.start).toBe('request a purchase');
    expect([...def.nodes.values()].map((n) => `${n.id}:${n.kind}`)).toEqual([
      'request a purchase:start',
      'evaluate:wait',
      'approved:fork',
      'decrement inventory:wait',
      'credit seller:wait',
      'deduct from buyer:wait',
      'done:end',
    ]);
  });

  it('a disapproval ends it at once', () => {
    const def = purchase();
    const started = startInstance(def, 'p1', { buyer: 'b' }, stepContext(10));
    expect(at(started.instance)).toEqual(['evaluate']);
    const done = signalInstance(def, started.instance, 'disapprove', {}, stepContext(11));
    expect(done.instance.status).toBe('ended');
    expect(done.instance.endedAt).toBe(11);
    expect(() => signalInstance(def, done.instance, 'approve', {}, stepContext(12))).toThrow(/has ended/);
  });

  it('an approval forks three branches; in any order the parties complete them, the last ends it; the history has every step', () => {
    const def = purchase();
    fc.assert(
      fc.property(fc.shuffledSubarray(BRANCHES, { minLength: 3, maxLength: 3 }), (order) => {
        let { instance, steps } = startInstance(def, 'p1', {}, stepContext(10));
        const history: ProcessStep[] = [...steps];
        const approved = signalInstance(def, instance, 'approve', { approver: 'a' }, stepContext(11));
        instance = approved.instance;
        history.push(...approved.steps);
        expect(at(instance)).toEqual([...BRANCHES].sort());
        expect(new Set(instance.tokens.map((t) => t.group)).size).toBe(1);
        order.forEach((branch, i) => {
          const next = signalInstance(def, instance, branch, {}, stepContext(12 + i));
          instance = next.instance;
          history.push(...next.steps);
          expect(instance.status).toBe(i === 2 ? 'ended' : 'active');
          expect(instance.tokens).toHaveLength(2 - i);
        });
        expect(history.map((s) => s.seq)).toEqual(history.map((_, i) => i));
        expect(history.map((s) => `${s.from}>${s.to}`)).toEqual([
          'request a purchase>evaluate',
          'evaluate>approved',
          ...BRANCHES.map((b) => `approved>${b}`),
          ...order.map((b) => `${b}>done`),
        ]);
        expect(history.map((s) => s.by)).toEqual(['start', 'signal', 'flow', 'flow', 'flow', 'signal', 'signal', 'signal']);
        expect(history.slice(-3).map((s) => s.height)).toEqual([12, 13, 14]);
        expect(instance.vars).toEqual({ approver: 'a' });
      }),
    );
  });

  it('refuses a signal no waiting token can take, naming what waits and what it could take; the instance is unchanged', () => {
    const def = purchase();
    const { instance } = startInstance(def, 'p1', {}, stepContext(10));
    const before = structuredClone(instance);
    expect(() => signalInstance(def, instance, 'credit seller', {}, stepContext(11))).toThrow(ProcessRefusal);
    expect(() => signalInstance(def, instance, 'credit seller', {}, stepContext(11))).toThrow('tokens wait at "evaluate" (approve, disapprove)');
    expect(() => signalInstance(def, instance, 'evaluate', {}, stepContext(11))).toThrow(/can take "evaluate"/);
    expect(instance).toEqual(before);
    // Both branch tokens could take "done": the signal must name the node.
    const approved = signalInstance(def, instance, 'approve', {}, stepContext(11)).instance;
    expect(() => signalInstance(def, approved, 'done', {}, stepContext(12))).toThrow(/ambiguous.*NODE\/done/);
    expect(at(signalInstance(def, approved, 'credit seller/done', {}, stepContext(12)).instance)).toEqual(['decrement inventory', 'deduct from buyer']);
  });
});
