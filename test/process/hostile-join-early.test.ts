/**
 * A join closes its own fork (the nearest fork every path to it passes), whatever the order of
 * the flows in the file: split → A, B → join, where A also splits to an end event (BPMN's
 * implicit split, a fork group inside the split's). Before, when A's flow to the end was
 * written first, completing A alone let the join through.
 */
import { describe, expect, it } from 'vitest';
import { compileProcessFile } from '../../src/process/definition.js';
import { signalInstance, startInstance } from '../../src/process/instance.js';
import type { ProcessDefinition } from '../../src/process/model.js';
import { stepContext } from '../support/process-context.js';

function bpmn(endFirst: boolean): string {
  const toEnd = '<bpmn:sequenceFlow id="a2" sourceRef="A" targetRef="note"/>';
  const toJoin = '<bpmn:sequenceFlow id="a1" sourceRef="A" targetRef="join"/>';
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">
  <bpmn:process id="P" name="p">
    <bpmn:startEvent id="s"/><bpmn:parallelGateway id="split"/><bpmn:userTask id="A"/><bpmn:userTask id="B"/>
    <bpmn:parallelGateway id="join"/><bpmn:userTask id="pay"/><bpmn:endEvent id="e"/><bpmn:endEvent id="note"/>
    <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="split"/>
    <bpmn:sequenceFlow id="f1" sourceRef="split" targetRef="A"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="B"/>
    ${endFirst ? toEnd + toJoin : toJoin + toEnd}
    <bpmn:sequenceFlow id="b1" sourceRef="B" targetRef="join"/>
    <bpmn:sequenceFlow id="j1" sourceRef="join" targetRef="pay"/>
    <bpmn:sequenceFlow id="p1" sourceRef="pay" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>`;
}

describe('a join', () => {
  for (const endFirst of [false, true]) {
    it(`completing A alone does not pass the join (A's flow to the end written ${endFirst ? 'first' : 'second'})`, () => {
      const def = compileProcessFile(`j${endFirst ? 1 : 2}.bpmn`, bpmn(endFirst))[0] as ProcessDefinition;
      let instance = startInstance(def, '1', {}, stepContext()).instance;
      instance = signalInstance(def, instance, 'A', {}, stepContext(11)).instance;
      expect(instance.tokens.map((t) => t.node).sort()).toEqual(['B', 'join']);
      instance = signalInstance(def, instance, 'B', {}, stepContext(12)).instance;
      expect(instance.tokens.map((t) => t.node)).toEqual(['pay']);
    });
  }
});
