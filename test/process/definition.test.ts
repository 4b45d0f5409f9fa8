/**
 * jPDL definitions, construct by construct: what each node kind does, guards on a decision's
 * transitions (exact numbers, the default), rule files deciding, joins waiting for every branch
 * (nested forks too), timers, and the checks at deploy, each naming the element it refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileProcessFile } from '../../src/process/definition.js';
import { armedTimers, fireTimer, ProcessRefusal, signalInstance, startInstance, type ProcessInstance } from '../../src/process/instance.js';
import { ProcessDefinitionError, type ProcessDefinition } from '../../src/process/model.js';
import { stepContext } from '../support/process-context.js';

const jpdl = (body: string, name = 'p'): string => `<?xml version="1.0"?>\n<process-definition name="${name}">\n${body}\n</process-definition>`;
const compile = (body: string, file = 't.jpdl.xml'): ProcessDefinition => compileProcessFile(file, jpdl(body))[0] as ProcessDefinition;
const at = (i: ProcessInstance): string[] => i.tokens.map((t) => t.node).sort();

const DECISION = `
  <start-state name="s"><transition to="check"/></start-state>
  <decision name="check">
    <transition name="big" to="review"><condition>#{amount * 0.1 > 10}</condition></transition>
    <transition name="vip" to="fast"><condition expression="buyer == &quot;vip&quot;"/></transition>
    <transition name="normal" to="fast"/>
  </decision>
  <state name="review"><transition to="e"/></state>
  <state name="fast"><transition to="e"/></state>
  <end-state name="e"/>`;

describe('jPDL definitions', () => {
  it('a decision takes the first transition whose condition holds, with exact numbers, else its default', () => {
    const def = compile(DECISION);
    const route = (vars: Record<string, unknown>): string[] => at(startInstance(def, 'i', vars as never, stepContext()).instance);
    expect(route({ amount: 101, buyer: 'vip' })).toEqual(['review']); // 10.1 > 10
    expect(route({ amount: 100, buyer: 'vip' })).toEqual(['fast']); // 10 is not > 10: the next holds
    expect(route({ amount: { $decimal: '100.1' }, buyer: 'x' })).toEqual(['review']);
    expect(route({ amount: 5 })).toEqual(['fast']);
    expect(route({})).toEqual(['fast']); // a missing variable is null: no condition holds, the default
    expect(route({ amount: 1.5 })).toEqual(['fast']); // a binary float is no rule value: read as null
    const taken = startInstance(def, 'i', { amount: 101 }, stepContext());
    expect(taken.steps.map((s) => s.transition)).toEqual(['check', 'big']);
  });

  it('a decision with rules="f.drl" takes the transition the rules insert as a Decision fact', () => {
    const body = `
  <start-state name="s"><transition to="check"/></start-state>
  <decision name="check" rules="credit.drl">
    <transition name="approve" to="ok"/>
    <transition name="reject" to="e"/>
  </decision>
  <state name="ok"><transition to="e"/></state>
  <end-state name="e"/>`;
    const credit = `
rule "good score" when Process(score >= 700) then insert Decision { transition = "approve" } end
rule "bad score" when Process(score < 700) then insert Decision { transition = "reject" } end
rule "typo" when Process(score == 1) then insert Decision { transition = "aprove" } end`;
    const def = compile(body);
    const files = { 'credit.drl': credit };
    expect(at(startInstance(def, 'i', { score: 720 }, stepContext(10, files)).instance)).toEqual(['ok']);
    expect(startInstance(def, 'i', { score: 600 }, stepContext(10, files)).instance.status).toBe('ended');
    expect(() => startInstance(def, 'i', { score: 1 }, stepContext(10, files))).toThrow(/inserted 2 Decision facts/);
    expect(() => startInstance(def, 'i', {}, stepContext(10, files))).toThrow(/chose nothing, and the decision has no default/);
    expect(() => startInstance(def, 'i', { score: 720 }, stepContext(10, {}))).toThrow(/no rule file credit.drl/);
    const ctx = stepContext(10, files);
    startInstance(def, 'i', { score: 720 }, ctx);
    expect(ctx.work.get('rules.fire')).toBeGreaterThan(0); // the rules' work is reported to the meter
  });

  it('a join waits for every branch of its fork, and for the branches of forks inside them', () => {
    const def = compile(`
  <start-state name="s"><transition to="f1"/></start-state>
  <fork name="f1"><transition to="a"/><transition to="f2"/></fork>
  <state name="a"><transition to="j1"/></state>
  <fork name="f2"><transition to="b"/><transition to="c"/></fork>
  <state name="b"><transition to="j2"/></state>
  <state name="c"><transition to="j2"/></state>
  <join name="j2"><transition to="j1"/></join>
  <join name="j1"><transition to="after"/></join>
  <state name="after"><transition to="e"/></state>
  <end-state name="e"/>`);
    fc.assert(
      fc.property(fc.shuffledSubarray(['a', 'b', 'c'], { minLength: 3, maxLength: 3 }), (order) => {
        let { instance } = startInstance(def, 'i', {}, stepContext());
        expect(at(instance)).toEqual(['a', 'b', 'c']);
        for (const [i, node] of order.entries()) {
          instance = signalInstance(def, instance, node, {}, stepContext(11 + i)).instance;
          if (i < 2) expect(at(instance)).not.toContain('after');
        }
        expect(at(instance)).toEqual(['after']);
        expect(instance.groups).toEqual([]);
        expect(instance.tokens[0]?.group).toBe(0);
      }),
    );
  });

  it('a timer in a state: armed when the token arrives, fires its transition; a signal first leaves it nothing to fire', () => {
    const def = compile(`
  <start-state name="s"><transition to="wait"/></start-state>
  <state name="wait">
    <timer duedate="5 blocks" transition="expire"/>
    <transition name="pay" to="e"/>
    <transition name="expire" to="late"/>
  </state>
  <state name="late"><transition to="e"/></state>
  <end-state name="e"/>`);
    const { instance } = startInstance(def, 'i', {}, stepContext(10));
    const armed = armedTimers(def, instance);
    expect(armed.map((a) => [a.node.id, a.token.height, a.node.timer?.due])).toEqual([['wait', 10, { kind: 'blocks', count: 5 }]]);
    const fired = fireTimer(def, instance, armed[0]?.token.id ?? 0, { ...stepContext(15), tx: '' });
    expect(fired && at(fired.instance)).toEqual(['late']);
    expect(fired?.steps.map((s) => [s.by, s.tx])).toEqual([['timer', '']]);
    const paid = signalInstance(def, instance, 'pay', {}, stepContext(12)).instance;
    expect(fireTimer(def, paid, armed[0]?.token.id ?? 0, stepContext(15))).toBeNull();
    // The signal that names the state takes its one way out that is not the timer's.
    expect(signalInstance(def, instance, 'wait', {}, stepContext(12)).instance.status).toBe('ended');
  });

  it('an end-state with end-complete-process="true" ends every token', () => {
    const def = compile(`
  <start-state name="s"><transition to="f"/></start-state>
  <fork name="f"><transition to="a"/><transition to="b"/></fork>
  <state name="a"><transition to="stop"/></state>
  <state name="b"><transition to="e"/></state>
  <end-state name="stop" end-complete-process="true"/>
  <end-state name="e"/>`);
    const { instance } = startInstance(def, 'i', {}, stepContext());
    expect(signalInstance(def, instance, 'b', {}, stepContext(11)).instance.status).toBe('active');
    expect(signalInstance(def, instance, 'a', {}, stepContext(11)).instance).toMatchObject({ status: 'ended', tokens: [] });
  });

  it('a loop of automatic nodes stops at the step bound with a refusal', () => {
    const def = compile(`
  <start-state name="s"><transition to="n1"/></start-state>
  <node name="n1"><transition to="d"/></node>
  <decision name="d"><transition name="again" to="n1"><condition>true</condition></transition><transition name="out" to="e"/></decision>
  <end-state name="e"/>`);
    expect(() => startInstance(def, 'i', {}, stepContext())).toThrow(ProcessRefusal);
    expect(() => startInstance(def, 'i', {}, stepContext())).toThrow(/more than 2000 steps/);
  });

  const refusals: [string, string, RegExp][] = [
    ['unreachable', `<start-state name="s"><transition to="e"/></start-state><state name="lost"><transition to="e"/></state><end-state name="e"/>`, /lost: unreachable/],
    ['join without fork', `<start-state name="s"><transition to="a"/></start-state><state name="a"><transition name="x" to="j"/><transition name="y" to="j"/></state><join name="j"><transition to="e"/></join><end-state name="e"/>`, /j: a join without a matching fork/],
    ['missing target', `<start-state name="s"><transition to="nowhere"/></start-state><end-state name="e"/>`, /s: a transition to "nowhere", which is not in the process/],
    ['no default', `<start-state name="s"><transition to="d"/></start-state><decision name="d"><transition name="a" to="e"><condition>x > 1</condition></transition></decision><end-state name="e"/>`, /d: a decision without a default path/],
    ['two starts', `<start-state name="s"><transition to="e"/></start-state><start-state name="s2"><transition to="e"/></start-state><end-state name="e"/>`, /2 starts/],
    ['duplicate name', `<start-state name="s"><transition to="e"/></start-state><end-state name="e"/><end-state name="e"/>`, /e: a second node of this name/],
    ['java action', `<start-state name="s"><transition to="e"><action class="com.x.Y"/></transition></start-state><end-state name="e"/>`, /<action> .* runs Java/],
    ['unknown element', `<start-state name="s"><transition to="e"/></start-state><frobnicate name="z"/><end-state name="e"/>`, /<frobnicate> .* not part of the jPDL/],
    ['bad guard', `<start-state name="s"><transition to="d"/></start-state><decision name="d"><transition name="a" to="e"><condition>x &gt;</condition></transition><transition name="b" to="e"/></decision><end-state name="e"/>`, /d: the guard of the transition to "e", column 4: expected a value/],
    ['guard of wrong kind', `<start-state name="s"><transition to="d"/></start-state><decision name="d"><transition name="a" to="e"><condition>x + 1</condition></transition><transition name="b" to="e"/></decision><end-state name="e"/>`, /d: the guard of the transition to "e"/],
    ['bad timer', `<start-state name="s"><transition to="w"/></start-state><state name="w"><timer duedate="soon" transition="t"/><transition name="t" to="e"/></state><end-state name="e"/>`, /duedate="soon"/],
    ['timer to nowhere', `<start-state name="s"><transition to="w"/></start-state><state name="w"><timer duedate="3 blocks" transition="t"/><transition name="u" to="e"/></state><end-state name="e"/>`, /w: its timer takes "t"/],
    ['fork of one', `<start-state name="s"><transition to="f"/></start-state><fork name="f"><transition to="e"/></fork><end-state name="e"/>`, /f: a fork with 1 way out/],
    ['two same-named transitions', `<start-state name="s"><transition to="w"/></start-state><state name="w"><transition name="go" to="e"/><transition name="go" to="e"/></state><end-state name="e"/>`, /w: two transitions named "go"/],
  ];
  for (const [what, body, message] of refusals) {
    it(`refuses at compile time: ${what}`, () => {
      expect(() => compile(body)).toThrow(ProcessDefinitionError);
      expect(() => compile(body)).toThrow(message);
    });
  }

  it('refuses files that are not XML it reads, without expanding anything the file defines', () => {
    const bad = [
      '',
      '<process-definition name="p">',
      '<process-definition name="p"></other>',
      '<a/><b/>',
      '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><process-definition name="&b;"/>',
      `<process-definition name="p">${'<x>'.repeat(100)}</process-definition>`,
      `<root-other/>`,
      'x'.repeat(300 * 1024),
    ];
    for (const text of bad) expect(() => compileProcessFile('t.jpdl.xml', text), text.slice(0, 40)).toThrow(ProcessDefinitionError);
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        try {
          compileProcessFile('t.jpdl.xml', text);
        } catch (err) {
          expect(err).toBeInstanceOf(ProcessDefinitionError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
