/**
 * The text of a refused signal is short whatever waits: each node once, a few of them, names
 * cut; and BPMN ids and names are held to the limit jPDL names have.
 */
import { describe, expect, it } from 'vitest';
import { compileProcessFile } from '../../src/process/definition.js';
import { signalInstance, startInstance } from '../../src/process/instance.js';
import type { ProcessDefinition } from '../../src/process/model.js';
import { stepContext } from '../support/process-context.js';

function crowded(nameLength: number): string {
  let nodes = '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="G1"/><bpmn:userTask id="W"/><bpmn:endEvent id="e"/>';
  let flows = '<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="G1"/>';
  for (let k = 0; k < 4; k++) {
    nodes += `<bpmn:parallelGateway id="G2${k}"/>`;
    flows += `<bpmn:sequenceFlow id="g${k}" sourceRef="G1" targetRef="G2${k}"/>`;
    for (let j = 0; j < 64; j++) flows += `<bpmn:sequenceFlow id="h${k}_${j}" sourceRef="G2${k}" targetRef="W"/>`;
  }
  flows += `<bpmn:sequenceFlow id="out" name="${'n'.repeat(nameLength)}" sourceRef="W" targetRef="e"/>`;
  return `<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x"><bpmn:process id="P" name="crowded">${nodes}${flows}</bpmn:process></bpmn:definitions>`;
}

describe('the text of a refused signal', () => {
  it('is bounded (the engine alone)', () => {
    // A name past the limit is refused at compile time; at the limit, the refusal stays small.
    expect(() => compileProcessFile('crowded.bpmn', crowded(200_000))).toThrow(/a name longer than 128 characters/);
    const def = compileProcessFile('crowded.bpmn', crowded(128))[0] as ProcessDefinition;
    const { instance } = startInstance(def, '1', {}, stepContext());
    expect(instance.tokens).toHaveLength(256);
    let message = '';
    try {
      signalInstance(def, instance, 'nope', {}, stepContext(11));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('no waiting token');
    expect(message.length, 'characters in one refusal').toBeLessThanOrEqual(2 * 1024);
  });
});
