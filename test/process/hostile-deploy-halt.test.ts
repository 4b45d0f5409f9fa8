/**
 * A deploy whose process file trips a reader or the compiler is refused as CONTRACT_INVALID and
 * the block goes on: a BPMN gateway whose `default=` names a task, and guards that pass one by
 * one but not together (before the attacker review both threw out of the deploy and failed the
 * block on every node).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { compileProcessFile } from '../../src/process/definition.js';
import { ProcessDefinitionError } from '../../src/process/model.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { deployTx } from '../support/contract-txs.js';
import { testKey } from '../support/nodes.js';

const BPMN_DEFAULT_TO_TASK = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">
  <bpmn:process id="P">
    <bpmn:startEvent id="s"/>
    <bpmn:exclusiveGateway id="g" default="t1"/>
    <bpmn:task id="t1"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g"/>
    <bpmn:sequenceFlow id="f1" sourceRef="g" targetRef="t1"><bpmn:conditionExpression>x == 1</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e"><bpmn:conditionExpression>x == 2</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="t1" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>`;

/** A balanced `&&` tree of k comparisons: shallow (depth ~log k), ~4k expression parts, under 1,024 characters for k = 120. */
const balanced = (k: number): string => (k === 1 ? 'a==1' : `(${balanced(Math.floor(k / 2))}&&${balanced(k - Math.floor(k / 2))})`);

function manyBigGuards(): string {
  const guard = balanced(120);
  let s = '<process-definition name="p"><start-state name="s"><transition to="d"/></start-state><decision name="d">';
  for (let j = 0; j < 50; j++) s += `<transition name="t${j}" to="e"><condition><![CDATA[${guard}]]></condition></transition>`;
  return `${s}<transition name="z" to="e"/></decision><end-state name="e"/></process-definition>`;
}

describe('a process file that trips the reader or the compiler at deploy', () => {
  it('the guard is within the limits of one guard (1,024 characters)', () => {
    expect(balanced(120).length).toBeLessThanOrEqual(1024);
  });

  it('compileProcessFile refuses a gateway default= that is not a sequence flow with a ProcessDefinitionError', () => {
    expect(() => compileProcessFile('a.bpmn', BPMN_DEFAULT_TO_TASK)).toThrow(ProcessDefinitionError);
  });

  it('compileProcessFile refuses guards that together pass the rules limits with a ProcessDefinitionError', () => {
    expect(() => compileProcessFile('g.jpdl.xml', manyBigGuards())).toThrow(ProcessDefinitionError);
  });

  describe('on a real application', () => {
    let h: AppHarness;
    afterEach(async () => h?.close());
    const code = 'export function f() { return 1; }';

    it('a deploy with the BPMN file fails as a transaction; the block is decided', async () => {
      h = await appHarness(1);
      const res = await h.runBlock([deployTx(testKey(0), 0, code, { files: { 'a.bpmn': BPMN_DEFAULT_TO_TASK } })]);
      expect(res.txResults[0]?.code).not.toBe(0);
    });

    it('a deploy with the guards file fails as a transaction; the block is decided', async () => {
      h = await appHarness(1);
      const res = await h.runBlock([deployTx(testKey(0), 0, code, { files: { 'g.jpdl.xml': manyBigGuards() }, gasLimit: 50_000_000 })]);
      expect(res.txResults[0]?.code).not.toBe(0);
    });
  });
});
