/**
 * `cmt rules test` as an analyst runs it: the design's pricing rules on a facts file print the
 * firings and the final facts (text and -o json, whose facts can be fed back in); a rule file
 * that does not compile, a bad facts file and a looping rule set each end with a clear message
 * and a non-zero exit code (2 for a file that is not a facts file, 1 otherwise).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmt } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';
import { PRICING_WITH_EVENT } from '../support/rule-files.js';

describe('cmt rules test', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const at = (name: string): string => join(dir.path, name);

  beforeAll(async () => {
    dir = await tempDir('rules-cli');
    await writeFile(at('pricing.drl'), PRICING_WITH_EVENT);
    await writeFile(at('facts.json'), JSON.stringify([{ type: 'Message', fields: { status: 'GET_PRICE', fico_score: 741, listed_price: { $decimal: '99.99' } } }, { type: 'Message', fields: { status: 'GET_PRICE', fico_score: 700, listed_price: 100 } }]));
    await writeFile(at('broken.drl'), 'rule "r"\n  when\n    m : Message(status ==)\n  then\nend\n');
    await writeFile(at('loop.drl'), 'rule "up" when c : C(n >= 0) then modify(c) { n = c.n + 1 } end');
    await writeFile(at('c.json'), JSON.stringify([{ type: 'C', fields: { n: 0 } }]));
    await writeFile(at('float.json'), JSON.stringify([{ type: 'Message', fields: { listed_price: 0.5 } }]));
    await writeFile(at('junk.json'), '{"not": "a list"');
  });

  afterAll(async () => {
    await dir?.cleanup();
  });

  it('fires the pricing rule and prints the trace, the event and the final facts', async () => {
    const out = await cmt(['rules', 'test', at('pricing.drl'), '--facts', at('facts.json')]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('1. Pricing on #1');
    expect(out.stdout).toContain('priced 79.992 (rule "Pricing")');
    expect(out.stdout).toContain('#1 Message { status: "GET_PRICE", fico_score: 741, listed_price: 99.99, price: 79.992 }');
    expect(out.stdout).toContain('#2 Message { status: "GET_PRICE", fico_score: 700, listed_price: 100 }');
  });

  it('-o json gives exact numbers back as the facts file takes them', async () => {
    const out = await cmt(['rules', 'test', at('pricing.drl'), '--facts', at('facts.json'), '-o', 'json']);
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout) as { fired: { rule: string; facts: number[] }[]; facts: { id: number; type: string; fields: Record<string, unknown> }[]; stopped: boolean };
    expect(result.fired[0]).toEqual({ rule: 'Pricing', facts: [1] });
    expect(result.facts[0]?.fields).toEqual({ status: 'GET_PRICE', fico_score: 741, listed_price: { $decimal: '99.99' }, price: { $decimal: '79.992' } });
    expect(result.stopped).toBe(false);
    // The final facts are a facts file: run again on them, the price is already there and nothing changes it.
    await writeFile(at('again.json'), JSON.stringify(result.facts.map(({ type, fields }) => ({ type, fields }))));
    const again = JSON.parse((await cmt(['rules', 'test', at('pricing.drl'), '--facts', at('again.json'), '-o', 'json'])).stdout) as typeof result;
    expect(again.facts.map((f) => f.fields)).toEqual(result.facts.map((f) => f.fields));
  });

  it('refuses a rule file that does not compile, naming the file, line and column', async () => {
    const out = await cmt(['rules', 'test', at('broken.drl')]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`${at('broken.drl')}:3:26: expected a value`);
  });

  it('refuses a facts file that is not a list of facts, or holds a binary float', async () => {
    const junk = await cmt(['rules', 'test', at('pricing.drl'), '--facts', at('junk.json')]);
    expect(junk.code).toBe(2); // a bad argument, as the other commands answer one
    expect(junk.stderr).toMatch(/junk\.json: not JSON/);
    const float = await cmt(['rules', 'test', at('pricing.drl'), '--facts', at('float.json')]);
    expect(float.code).toBe(1);
    expect(float.stderr).toMatch(/Message\.listed_price: 0\.5 is not an exact number/);
  });

  it('stops a looping rule set at --limit, says so, and exits 1', async () => {
    const out = await cmt(['rules', 'test', at('loop.drl'), '--facts', at('c.json'), '--limit', '25']);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('fired 25 times, stopped at --limit 25 with 1 activations waiting');
    expect(out.stdout).toContain('#1 C { n: 25 }');
  });
});
