/**
 * BPMN 2.0 through bpmn-moddle: the purchase process as a modeler saves it
 * (examples/purchase-bpmn/purchase.bpmn) imports and runs, with its diagram's positions; each element
 * of the subset does what BPMN says; what the subset leaves out is refused by its id.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileProcessFile } from '../../src/process/definition.js';
import { armedTimers, fireTimer, signalInstance, startInstance, type ProcessInstance } from '../../src/process/instance.js';
import { ProcessDefinitionError, type ProcessDefinition } from '../../src/process/model.js';
import { stepContext } from '../support/process-context.js';

const PURCHASE = readFileSync(new URL('../../examples/purchase-bpmn/purchase.bpmn', import.meta.url), 'utf8');
const at = (i: ProcessInstance): string[] => i.tokens.map((t) => t.node).sort();

const NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cmt="https://cmt.example/bpmn"';
const bpmn = (body: string, extra = ''): string => `<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions ${NS} id="d">${extra}<bpmn:process id="p" name="p" isExecutable="true">${body}</bpmn:process></bpmn:definitions>`;
const flow = (id: string, from: string, to: string, more = ''): string => `<bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}"${more ? `>${more}</bpmn:sequenceFlow>` : '/>'}`;
const compile = (body: string, extra = ''): ProcessDefinition => compileProcessFile('t.bpmn', bpmn(body, extra))[0] as ProcessDefinition;

describe('BPMN definitions', () => {
  it('imports the purchase process a modeler saved, with the diagram positions, and runs it: branches in any order, the join ends it', () => {
    const def = compileProcessFile('purchase.bpmn', PURCHASE)[0] as ProcessDefinition;
    expect(def).toMatchObject({ name: 'purchase process', notation: 'bpmn', start: 'StartEvent_request' });
    expect(def.nodes.get('Activity_evaluate')).toMatchObject({ kind: 'wait', name: 'evaluate', bounds: { x: 240, y: 180, width: 100, height: 80 } });
    expect(def.nodes.get('Gateway_join')?.kind).toBe('join');
    const tasks = ['Activity_inventory', 'Activity_credit', 'Activity_deduct'];
    fc.assert(
      fc.property(fc.shuffledSubarray(['decrement inventory', 'credit seller', 'deduct from buyer'], { minLength: 3, maxLength: 3 }), (order) => {
        let { instance } = startInstance(def, 'i', {}, stepContext(10));
        expect(at(instance)).toEqual(['Activity_evaluate']);
        instance = signalInstance(def, instance, 'evaluate', { approved: true }, stepContext(11)).instance;
        expect(at(instance)).toEqual([...tasks].sort());
        for (const [i, task] of order.entries()) {
          instance = signalInstance(def, instance, task, {}, stepContext(12 + i)).instance;
          expect(instance.status).toBe(i === 2 ? 'ended' : 'active');
        }
      }),
    );
    const { instance } = startInstance(def, 'i', {}, stepContext(10));
    expect(signalInstance(def, instance, 'evaluate', { approved: false }, stepContext(11)).instance.status).toBe('ended');
    expect(signalInstance(def, instance, 'evaluate', {}, stepContext(11)).steps.map((s) => s.transition)).toEqual(['Flow_0b', 'disapprove']);
  });

  it('parses synchronously: the definitions are there when the call returns (a deploy cannot wait)', () => {
    const defs = compileProcessFile('sync.bpmn', PURCHASE.replace('purchase process', 'sync check'));
    expect(Array.isArray(defs)).toBe(true);
    expect(defs[0]?.name).toBe('sync check');
  });

  it('timers: an intermediate timer event (block time or blocks) and an interrupting boundary timer on a user task', () => {
    const def = compile(`
      <bpmn:startEvent id="s"/>${flow('f1', 's', 'wait')}
      <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT1M30S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
      ${flow('f2', 'wait', 'blocks')}
      <bpmn:intermediateCatchEvent id="blocks"><bpmn:timerEventDefinition><bpmn:timeDuration>10 blocks</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
      ${flow('f3', 'blocks', 'task')}
      <bpmn:userTask id="task" name="sign"/>${flow('f4', 'task', 'e')}
      <bpmn:boundaryEvent id="late" name="too late" attachedToRef="task"><bpmn:timerEventDefinition><bpmn:timeDate>2030-01-01T00:00:00Z</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:boundaryEvent>
      ${flow('f5', 'late', 'e2')}
      <bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>`);
    let { instance } = startInstance(def, 'i', {}, stepContext(10));
    const fire = (height: number): void => {
      const [armed] = armedTimers(def, instance);
      const fired = fireTimer(def, instance, armed?.token.id ?? -1, stepContext(height));
      if (!fired) throw new Error('nothing fired');
      instance = fired.instance;
    };
    expect(armedTimers(def, instance).map((a) => a.node.timer?.due)).toEqual([{ kind: 'after', ms: 90_000 }]);
    fire(20);
    expect(armedTimers(def, instance).map((a) => a.node.timer?.due)).toEqual([{ kind: 'blocks', count: 10 }]);
    fire(30);
    expect(armedTimers(def, instance).map((a) => [a.node.id, a.node.timer?.due])).toEqual([['task', { kind: 'at', ms: Date.parse('2030-01-01T00:00:00Z') }]]);
    const signed = signalInstance(def, instance, 'sign', {}, stepContext(31)).instance;
    expect(signed.status).toBe('ended');
    fire(40);
    expect(instance.status).toBe('ended');
  });

  it('messages: a catch event and a receive task wait for a signal naming their message', () => {
    const def = compile(
      `<bpmn:startEvent id="s"/>${flow('f1', 's', 'm')}
      <bpmn:intermediateCatchEvent id="m"><bpmn:messageEventDefinition messageRef="paid"/></bpmn:intermediateCatchEvent>${flow('f2', 'm', 'r')}
      <bpmn:receiveTask id="r" messageRef="shipped"/>${flow('f3', 'r', 'e')}<bpmn:endEvent id="e"/>`,
      '<bpmn:message id="paid" name="payment received"/><bpmn:message id="shipped" name="parcel shipped"/>',
    );
    let { instance } = startInstance(def, 'i', {}, stepContext());
    expect(() => signalInstance(def, instance, 'parcel shipped', {}, stepContext(11))).toThrow(/tokens wait at "m"/);
    instance = signalInstance(def, instance, 'payment received', { amount: 5 }, stepContext(11)).instance;
    instance = signalInstance(def, instance, 'parcel shipped', {}, stepContext(12)).instance;
    expect(instance).toMatchObject({ status: 'ended', vars: { amount: 5 } });
  });

  it('gateways: a parallel gateway that joins and splits; a task with two ways out splits; a terminate end ends all; cmt:rules decides', () => {
    const def = compile(`
      <bpmn:startEvent id="s"/>${flow('f1', 's', 't')}
      <bpmn:task id="t"/>${flow('f2', 't', 'a')}${flow('f3', 't', 'b')}
      <bpmn:userTask id="a"/>${flow('f4', 'a', 'pg')}<bpmn:userTask id="b"/>${flow('f5', 'b', 'pg')}
      <bpmn:parallelGateway id="pg"/>${flow('f6', 'pg', 'c')}${flow('f7', 'pg', 'dd')}
      <bpmn:userTask id="c"/>${flow('f8', 'c', 'rules')}<bpmn:userTask id="dd"/>${flow('f9', 'dd', 'quiet')}
      <bpmn:exclusiveGateway id="rules" cmt:rules="route.drl" default="f11"/>${flow('f10', 'rules', 'kill')}${flow('f11', 'rules', 'quiet')}
      <bpmn:endEvent id="kill"><bpmn:terminateEventDefinition/></bpmn:endEvent><bpmn:endEvent id="quiet"/>`);
    const files = { 'route.drl': 'rule "r" when Process(stop == true) then insert Decision { transition = "f10" } end' };
    let { instance } = startInstance(def, 'i', {}, stepContext(10, files));
    expect(at(instance)).toEqual(['a', 'b']);
    instance = signalInstance(def, instance, 'a', {}, stepContext(11, files)).instance;
    expect(at(instance)).toEqual(['b', 'pg']);
    instance = signalInstance(def, instance, 'b', {}, stepContext(12, files)).instance;
    expect(at(instance)).toEqual(['c', 'dd']);
    const quiet = signalInstance(def, instance, 'c', {}, stepContext(13, files)).instance;
    expect(at(quiet)).toEqual(['dd']);
    const killed = signalInstance(def, instance, 'c', { stop: true }, stepContext(13, files)).instance;
    expect(killed).toMatchObject({ status: 'ended', tokens: [] });
  });

  const refusals: [string, string, RegExp, string?][] = [
    ['an inclusive gateway', `<bpmn:startEvent id="s"/>${flow('f', 's', 'g')}<bpmn:inclusiveGateway id="g"/>${flow('f2', 'g', 'e')}<bpmn:endEvent id="e"/>`, /g: <bpmn:InclusiveGateway> is not part of the BPMN/],
    ['a condition on a task flow', `<bpmn:startEvent id="s"/>${flow('f', 's', 't')}<bpmn:task id="t"/>${flow('f2', 't', 'e', '<bpmn:conditionExpression>x</bpmn:conditionExpression>')}<bpmn:endEvent id="e"/>`, /t: a condition on a flow that does not leave an exclusive gateway/],
    ['a repeating timer', `<bpmn:startEvent id="s"/>${flow('f', 's', 'w')}<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT1M</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>${flow('f2', 'w', 'e')}<bpmn:endEvent id="e"/>`, /w: a repeating timer/],
    ['an exclusive gateway without a default', `<bpmn:startEvent id="s"/>${flow('f', 's', 'g')}<bpmn:exclusiveGateway id="g"/>${flow('f2', 'g', 'e', '<bpmn:conditionExpression>x &gt; 1</bpmn:conditionExpression>')}${flow('f3', 'g', 'e', '<bpmn:conditionExpression>x &lt; 1</bpmn:conditionExpression>')}<bpmn:endEvent id="e"/>`, /g: a decision without a default path/],
    ['an unreachable task', `<bpmn:startEvent id="s"/>${flow('f', 's', 'e')}<bpmn:userTask id="lost"/>${flow('f2', 'lost', 'e')}<bpmn:endEvent id="e"/>`, /lost: unreachable/],
    ['a timer start', `<bpmn:startEvent id="s"><bpmn:timerEventDefinition/></bpmn:startEvent>${flow('f', 's', 'e')}<bpmn:endEvent id="e"/>`, /s: a start event with a TimerEventDefinition/],
    ['a join without fork', `<bpmn:startEvent id="s"/>${flow('f', 's', 'x')}<bpmn:exclusiveGateway id="x" default="f2"/>${flow('f2', 'x', 'j')}${flow('f3', 'x', 'j', '<bpmn:conditionExpression>a</bpmn:conditionExpression>')}<bpmn:parallelGateway id="j"/>${flow('f4', 'j', 'e')}<bpmn:endEvent id="e"/>`, /j: a join without a matching fork/],
    ['a sub-process', `<bpmn:startEvent id="s"/>${flow('f', 's', 'sp')}<bpmn:subProcess id="sp"/>${flow('f2', 'sp', 'e')}<bpmn:endEvent id="e"/>`, /sp: <bpmn:SubProcess> is not part/],
    ['an unknown element', `<bpmn:startEvent id="s"/><bpmn:frob id="z"/>`, /not BPMN 2.0 this node reads/],
  ];
  for (const [what, body, message] of refusals) {
    it(`refuses ${what}, naming it`, () => {
      expect(() => compile(body)).toThrow(ProcessDefinitionError);
      expect(() => compile(body)).toThrow(message);
    });
  }

  it('refuses what is not BPMN, and never expands an entity the file defines', () => {
    for (const text of ['', '<x/>', bpmn('').replace('<bpmn:process id="p" name="p" isExecutable="true"></bpmn:process>', ''), `<!DOCTYPE d [<!ENTITY a "x">]>${bpmn('')}`, bpmn('<bpmn:startEvent id="s">')]) {
      expect(() => compileProcessFile('t.bpmn', text), text.slice(0, 60)).toThrow(ProcessDefinitionError);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        try {
          compileProcessFile('t.bpmn', text);
        } catch (err) {
          expect(err).toBeInstanceOf(ProcessDefinitionError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
