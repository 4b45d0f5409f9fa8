/**
 * The rules engine inside a contract call (spec/rules.md, "In contracts"), on the real sandbox
 * with the real gas schedule: the design's pricing example returns 80; a session's facts saved
 * in a table are resumed by a later call with their ids; a rule set that never ends runs out of
 * gas with the same gas every time, cold and warm; the engine's refusals fail the call cleanly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hostCallGas } from '../../src/app/contracts/gas-schedule.js';
import { ContractSandbox, type CallOutcome } from '../../src/contracts/sandbox.js';
import { memoryHost } from '../support/memory-host.js';
import { PRICING_WITH_EVENT } from '../support/rule-files.js';

const CTX = { sender: '0x' + '11'.repeat(20), value: 0n, height: 7, time: 1_700_000_000_000, contract: '0x' + '22'.repeat(20) };

const FILES: Record<string, string> = {
  'pricing.drl': PRICING_WITH_EVENT,
  'loop.drl': 'rule "up" when c : C(n >= 0) then modify(c) { n = c.n + 1 } end',
  'div.drl': 'rule "div" when c : C() then emit("x", 1 / c.n) end',
};

const CONTRACT = `
export function price(score, listed) {
  const session = rules.session("pricing.drl");
  const m = session.insert("Message", { status: "GET_PRICE", fico_score: score, listed_price: listed });
  session.fire();
  return session.get(m).price ?? null;
}
export function start() {
  const s = rules.session("pricing.drl");
  const id = s.insert("Message", { status: "GET_PRICE", fico_score: 800, listed_price: 50 });
  s.save("sessions", "one");
  return id;
}
export function resume(id) {
  const s = rules.resume("pricing.drl", "sessions", "one");
  const fired = s.fire();
  return { fired, price: s.get(id).price, all: s.query("Message").length };
}
export function loop() {
  const s = rules.session("loop.drl");
  s.insert("C", { n: 0 });
  return s.fire();
}
export function bounded(limit) {
  const s = rules.session("loop.drl");
  const id = s.insert("C", { n: 0 });
  const fired = s.fire(limit);
  return [fired, s.get(id).n];
}
export function divide() {
  const s = rules.session("div.drl");
  s.insert("C", { n: 0 });
  return s.fire();
}
export function missing() { return rules.session("nope.drl"); }
export function float() { return rules.session("pricing.drl").insert("Message", { fico_score: 0.5 }); }
export function badId() { return rules.session("pricing.drl").get(-1); }
`;

describe('rules in a contract call', () => {
  let sandbox: ContractSandbox;
  beforeAll(async () => {
    sandbox = await ContractSandbox.load();
  });
  const call = (method: string, args: unknown[] = [], host = memoryHost(FILES), gasLimit = 5_000_000): CallOutcome =>
    sandbox.call({ code: CONTRACT, method, argsJson: JSON.stringify(args), ctx: CTX, gasLimit }, host, hostCallGas);

  it("runs the design's pricing example: 741 gets 80, and the rule's event becomes the contract's", () => {
    const host = memoryHost(FILES);
    const out = call('price', [741, 100], host);
    expect(out).toMatchObject({ ok: true, resultJson: '80' });
    expect(host.events).toEqual([['priced', '80']]);
    expect(call('price', [740, 100])).toMatchObject({ ok: true, resultJson: 'null' });
    // A decimal price comes back exact, as { $decimal }.
    expect(call('price', [800, 99])).toMatchObject({ ok: true, resultJson: '{"$decimal":"79.2"}' });
  });

  it('saves a session in a table and resumes it in a later call, ids kept', () => {
    const host = memoryHost(FILES);
    const started = call('start', [], host);
    expect(started).toMatchObject({ ok: true, resultJson: '1' });
    expect(JSON.parse(host.tables.get('sessions/one') ?? 'null')).toEqual([{ id: 1, type: 'Message', fields: { status: 'GET_PRICE', fico_score: 800, listed_price: 50 } }]);
    expect(call('resume', [1], host)).toMatchObject({ ok: true, resultJson: '{"fired":1,"price":40,"all":1}' });
  });

  it('ends a rule set that never stops as out of gas, with the same gas every time (cold and warm)', () => {
    const runs = [call('loop', [], memoryHost(FILES), 2_000_000), call('loop', [], memoryHost(FILES), 2_000_000), call('loop', [], memoryHost(FILES), 2_000_000)];
    for (const r of runs) expect(r).toMatchObject({ ok: false, error: 'out of gas', gasUsed: 2_000_000 });
    expect(call('bounded', [25])).toMatchObject({ ok: true, resultJson: '[25,25]' });
    const gas = [call('bounded', [25]).gasUsed, call('bounded', [25]).gasUsed];
    expect(gas[0]).toBe(gas[1]);
    expect(call('bounded', [50]).gasUsed).toBeGreaterThan(gas[0] as number);
  });

  it("fails the call cleanly on the engine's refusals", () => {
    expect(call('divide')).toMatchObject({ ok: false, error: expect.stringMatching(/rules: div\.drl:1:\d+: rule "div": division by zero/) });
    expect(call('missing')).toMatchObject({ ok: false, error: expect.stringMatching(/no rule file "nope\.drl" in the contract's bundle/) });
    expect(call('float')).toMatchObject({ ok: false, error: expect.stringMatching(/0\.5 is not an exact number/) });
    expect(call('badId')).toMatchObject({ ok: false, error: expect.stringMatching(/a fact id is a positive integer/) });
  });
});
