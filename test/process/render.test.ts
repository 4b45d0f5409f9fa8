/**
 * The SVG drawing of a definition: for generated definitions, with names holding XML's special
 * characters, the drawing is well-formed XML with one shape per node, each titled with its
 * name, and an arrow per transition.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileProcessFile } from '../../src/process/definition.js';
import type { ProcessDefinition } from '../../src/process/model.js';
import { renderSvg } from '../../src/process/render.js';
import { readXml, type XmlElement } from '../../src/process/xml-tree.js';

const xmlAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/** A chain of wait states with a fork and join in the middle: every kind but decision, with the given names. */
function definition(names: string[]): ProcessDefinition {
  const [a, b, c] = names.map(xmlAttr);
  const text = `<process-definition name="p &amp; q">
  <start-state name="start"><transition to="${a}"/></start-state>
  <state name="${a}"><timer duedate="2 blocks" transition="late"/><transition name="go &lt;now&gt;" to="f"/><transition name="late" to="end"/></state>
  <fork name="f"><transition to="${b}"/><transition to="${c}"/></fork>
  <state name="${b}"><transition to="j"/></state>
  <state name="${c}"><transition to="j"/></state>
  <join name="j"><transition to="d"/></join>
  <decision name="d"><transition name="big" to="end"><condition>x &gt; 1</condition></transition><transition name="small" to="end2"/></decision>
  <end-state name="end"/><end-state name="end2"/>
</process-definition>`;
  return compileProcessFile('t.jpdl.xml', text)[0] as ProcessDefinition;
}

function all(root: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const pending = [root];
  for (let e = pending.pop(); e; e = pending.pop()) {
    if (e.name === name) found.push(e);
    pending.push(...e.children);
  }
  return found;
}

describe('rendering a definition as SVG', () => {
  it('is well-formed, with a titled shape per node and an arrow per transition, whatever the names', () => {
    const name = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() === s && s.length > 0 && !/[\u0000-\u001f\ud800-\udfff\ufffe\uffff]/.test(s) && !['start', 'f', 'j', 'd', 'end', 'end2'].includes(s));
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 3, maxLength: 3 }), (names) => {
        const def = definition(names);
        const svg = renderSvg(def);
        const root = readXml('drawing.svg', svg);
        expect(root.name).toBe('svg');
        const groups = all(root, 'g').filter((g) => g.attrs.class !== 'transition');
        expect(groups).toHaveLength(def.nodes.size);
        const titles = groups.map((g) => g.children.find((c) => c.name === 'title')?.text);
        for (const n of def.nodes.values()) expect(titles).toContain(`${n.name} (${n.kind})`);
        const arrows = all(root, 'g').filter((g) => g.attrs.class === 'transition');
        expect(arrows).toHaveLength([...def.nodes.values()].reduce((sum, n) => sum + n.transitions.length, 0));
        expect(svg).toContain('go &lt;now&gt;');
        expect(svg).toContain('⏱ 2 blocks');
      }),
      { numRuns: 50 },
    );
  });
});
