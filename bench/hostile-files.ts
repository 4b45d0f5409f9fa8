/**
 * `npm run bench -- hostile-files`: what the worst rule and process files and process requests
 * found so far (spec/hostile-input.md, "Business rules", "Business processes") cost a node,
 * against the gas they pay. Each
 * line prints the work's time (the median of 3 runs, every compile cold: a file name never
 * compiled before), the gas charged for it, that gas's time at the chain's 7 ns a gas, and their
 * ratio: above 1, the work is paid less than it costs.
 */
import { hostCallGas } from '../src/app/contracts/gas-schedule.js';
import { compileProcessFile } from '../src/process/definition.js';
import { compileRules } from '../src/rules/engine.js';
import { RuleFileError } from '../src/rules/lexer.js';
import { ProcessDefinitionError } from '../src/process/model.js';

const NS_PER_GAS = 7;
let unique = 0;

/** The gas compiling or loading `source` is charged: its XML bytes, then its guards' bytes. */
function compileGas(file: string, source: string): number {
  let gas = hostCallGas('process.open', 0);
  try {
    compileProcessFile(`gas-${unique++}-${file}`, source, (work, bytes) => void (gas += hostCallGas(`process.${work}`, bytes)));
  } catch (err) {
    if (!(err instanceof ProcessDefinitionError)) throw err;
  }
  return gas;
}

function medianMs(run: () => void): number {
  const times = [0, 1, 2].map(() => {
    const t = performance.now();
    run();
    return performance.now() - t;
  });
  return times.sort((a, b) => a - b)[1] as number;
}

function line(what: string, ms: number, gas: number): void {
  const paid = (gas * NS_PER_GAS) / 1e6;
  console.log(`${what.padEnd(62)} ${ms.toFixed(1).padStart(8)} ms  ${gas.toLocaleString('en-US').padStart(12)} gas (${paid.toFixed(1).padStart(7)} ms)  ratio ${(ms / paid).toFixed(2)}`);
}

function compiled(what: string, file: string, source: string): void {
  const ms = medianMs(() => {
    try {
      compileProcessFile(`cold-${unique++}-${file}`, source);
    } catch (err) {
      if (!(err instanceof ProcessDefinitionError)) throw err;
    }
  });
  line(`${what} (${Math.round(source.length / 1024)} KiB)`, ms, compileGas(file, source));
}

const balanced = (k: number): string => (k === 1 ? 'a==1' : `(${balanced(Math.floor(k / 2))}&&${balanced(k - Math.floor(k / 2))})`);

/** A rule file compiled cold, against what a deploy pays for it (bytes and parts) and what opening a session on it pays. */
function ruleFile(what: string, text: string): void {
  let parts = 0;
  const ms = medianMs(() => {
    parts = 0;
    try {
      compileRules(`cold-${unique++}.drl`, text, (p) => void (parts += p));
    } catch (err) {
      if (!(err instanceof RuleFileError)) throw err;
    }
  });
  const bytes = Buffer.byteLength(text);
  line(`${what} (${Math.round(bytes / 1024)} KiB, ${parts.toLocaleString('en-US')} parts)`, ms, hostCallGas('rules.open', bytes) + hostCallGas('rules.compile', parts));
}

export async function run(): Promise<void> {
  console.log('Compiling a rule file (a deploy, or a session opened on a cold cache):');
  let joins = '';
  for (let i = 0; i < 2000; i++) joins += `rule "r${i}" when x : X(k == ${i}) y : Y(k == x.k) not Z(k == x.k) then modify(x) { n = x.n + 1 } end\n`;
  ruleFile('2,000 rules joining three patterns (refused at 20,000 parts)', joins);
  let ors = '';
  for (let i = 0; i < 60; i++) ors += `rule "o${i}" when ${Array.from({ length: 6 }, (_, j) => `(A${j}(v == ${i}) or B${j}(w == ${i}))`).join(' ')} then emit("e", 1) end\n`;
  ruleFile('rules of six "or"s each: 64 variants a rule (refused at 20,000 parts)', ors);
  let tests = '';
  for (let i = 0; i < 200; i++) tests += `rule "t${i}" when x : X(${balanced(60).replace(/==/g, ' == ')}) then emit("e", 1) end\n`;
  ruleFile('200 rules with tests of 60 comparisons', tests);

  console.log('Compiling a process file (a deploy, or a cold load by a call or a timer):');
  compiled(
    'BPMN, 40,000 extension elements',
    'x.bpmn',
    `<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:x="urn:x" id="D"><bpmn:process id="P"><bpmn:extensionElements>${'<x:a/>'.repeat(40_000)}</bpmn:extensionElements><bpmn:startEvent id="s"/><bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/></bpmn:process></bpmn:definitions>`,
  );
  const guard = balanced(120);
  let guards = '<process-definition name="p"><start-state name="s"><transition to="d0"/></start-state>';
  for (let d = 0; d < 6; d++) {
    guards += `<decision name="d${d}">`;
    for (let j = 0; j < 40; j++) guards += `<transition name="t${j}" to="e"><condition><![CDATA[${guard}]]></condition></transition>`;
    guards += `<transition name="z" to="${d < 5 ? `d${d + 1}` : 'e'}"/></decision>`;
  }
  compiled('jPDL, 240 guards of about 1,000 characters', 'g.jpdl.xml', `${guards}<end-state name="e"/></process-definition>`);
  compiled('jPDL, 120,000 line breaks then 19,990 skipped elements', 'l.jpdl.xml', `<process-definition name="p">${'\n'.repeat(120_000)}<start-state name="s"><transition to="e"/></start-state><end-state name="e"/>${'<task/>'.repeat(19_990)}</process-definition>`);
  compiled('BPMN, 20,000 line breaks then 2,000 unknown elements (refused)', 'u.bpmn', `<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D">${'\n'.repeat(20_000)}<bpmn:process id="P">${'<bpmn:foo/>'.repeat(2_000)}</bpmn:process></bpmn:definitions>`);
  console.log('Reading an instance (process.state, history, signal; a timer):');
  const big = JSON.stringify({ id: '1', tokens: Array.from({ length: 256 }, (_, i) => ({ id: i, node: 'w'.repeat(128), group: 1, height: 1, time: 1 })), vars: {} });
  const reads = 1_000;
  const ms = medianMs(() => {
    for (let i = 0; i < reads; i++) JSON.parse(big);
  });
  line(`${reads.toLocaleString('en-US')} reads of a ${Math.round(big.length / 1024)} KiB instance`, ms, reads * (hostCallGas('process.read', 0) + hostCallGas('process.read', big.length)));
}
