/**
 * An instance stays bounded: fork groups no token needs are dropped (a loop through a fork with
 * an ending branch once added a group each pass), and BPMN ids are held to the name limit.
 */
import { describe, expect, it } from 'vitest';
import { compileProcessFile } from '../../src/process/definition.js';
import { ProcessRefusal, signalInstance, startInstance, type ProcessInstance } from '../../src/process/instance.js';
import { PROCESS_LIMITS, type ProcessDefinition } from '../../src/process/model.js';
import { stepContext } from '../support/process-context.js';

const LOOP = `<process-definition name="loop">
  <start-state name="s"><transition to="w"/></start-state>
  <state name="w"><transition name="go" to="${'f'.repeat(128)}"/></state>
  <fork name="${'f'.repeat(128)}"><transition name="stop" to="e"/><transition name="again" to="w"/></fork>
  <end-state name="e"/>
</process-definition>`;

describe('the size of an instance', () => {
  it('a loop through a fork with an ending branch cannot grow the instance row past a bound (64 KiB here)', () => {
    const def = compileProcessFile('loop.jpdl.xml', LOOP)[0] as ProcessDefinition;
    let instance: ProcessInstance = startInstance(def, '1', {}, stepContext()).instance;
    for (let i = 0; i < 2_000; i++) {
      try {
        instance = signalInstance(def, instance, 'go', {}, stepContext(11 + i)).instance;
      } catch (err) {
        if (err instanceof ProcessRefusal) break; // a limit refused it: fine
        throw err;
      }
    }
    expect(instance.tokens).toHaveLength(1);
    const bytes = Buffer.byteLength(JSON.stringify(instance));
    expect(bytes, `${instance.groups.length} fork groups kept for 1 live token`).toBeLessThanOrEqual(64 * 1024);
  });

  it('a BPMN node id is held to the name limit jPDL has', () => {
    const id = `G${'x'.repeat(60_000)}`;
    const source = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">
  <bpmn:process id="P">
    <bpmn:startEvent id="s"/>
    <bpmn:userTask id="w"/>
    <bpmn:parallelGateway id="${id}"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="w"/>
    <bpmn:sequenceFlow id="f1" sourceRef="w" targetRef="${id}"/>
    <bpmn:sequenceFlow id="f2" sourceRef="${id}" targetRef="e"/>
    <bpmn:sequenceFlow id="f3" sourceRef="${id}" targetRef="w"/>
  </bpmn:process>
</bpmn:definitions>`;
    let def: ProcessDefinition | undefined;
    try {
      def = compileProcessFile('long.bpmn', source)[0];
    } catch {
      return; // refused: what this test asks for
    }
    // Accepted: each signal adds a 60 KB fork group to the row and writes three 60 KB steps.
    let instance = startInstance(def as ProcessDefinition, '1', {}, stepContext()).instance;
    const signalled = signalInstance(def as ProcessDefinition, instance, 'f1', {}, stepContext(11));
    instance = signalled.instance;
    expect(Math.max(...signalled.steps.map((s) => JSON.stringify(s).length)), 'one step row').toBeLessThanOrEqual(4 * PROCESS_LIMITS.nameLength + 200);
  });
});
