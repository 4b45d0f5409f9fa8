/**
 * `npm run bench -- rules [--sizes 64,128] [--waltz 12,25,50]`: Miss Manners, the classic Rete benchmark, with
 * cmt's rules engine (bench/rules/manners.drl) and, side by side in the same process on the
 * same guests, with nools 0.4.4 (a JavaScript Rete engine; a dev dependency of this benchmark
 * only) running the same rules in its own API. json-rules-engine is named and skipped: it
 * evaluates one fact set against independent conditions and has no joins between facts, which
 * Manners is made of. Each run's seating is checked (everyone once, neighbours of opposite sex
 * sharing a hobby) before its time is printed. Then the in-contract cost of the same run: the
 * engine's work charged by the contract gas schedule (opening the session, each insert, each
 * unit of matching and firing), with the time it takes metered. Last Waltz (line labelling) on
 * prisms of 2k sides, with this engine only, each labelling checked against the solid's.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostCallGas } from '../src/app/contracts/gas-schedule.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../src/codec/params.js';
import { compileRules, openSession } from '../src/rules/engine.js';
import type { RuleSession } from '../src/rules/session.js';
import { mannersFacts, mannersGuests, seatingProblems, type MannersGuest } from '../src/rules/manners-data.js';
import { labellingProblems, waltzFacts, waltzPrism } from '../src/rules/waltz-data.js';

const MANNERS = readFileSync(new URL('../../bench/rules/manners.drl', import.meta.url), 'utf8');
const WALTZ = readFileSync(new URL('../../bench/rules/waltz.drl', import.meta.url), 'utf8');

interface Outcome {
  ms: number;
  firings: number | null;
  seats: string[];
}

interface SessionRun {
  ms: number;
  firings: number;
  session: RuleSession;
}

/** A rule file's run from an empty session to its last firing, its work charged as a contract's would be when `gas` is given. */
function runSession(name: string, text: string, facts: readonly { type: string; fields: Record<string, unknown> }[], gas?: { used: number }): SessionRun {
  const start = performance.now();
  const charge = gas ? (what: string, bytes: number): void => void (gas.used += hostCallGas(what, bytes)) : undefined;
  charge?.('rules.open', Buffer.byteLength(text));
  const session = openSession(compileRules(name, text, (parts) => charge?.('rules.compile', parts)), charge ? { charge: (work) => charge(`rules.${work}`, 0) } : {});
  for (const f of facts) {
    charge?.('rules.insert', Buffer.byteLength(f.type) + Buffer.byteLength(JSON.stringify(f.fields)));
    session.insert(f.type, f.fields);
  }
  const firings = session.fire(50_000_000);
  return { ms: performance.now() - start, firings, session };
}

function runCmt(guests: readonly MannersGuest[], gas?: { used: number }): Outcome {
  const { ms, firings, session } = runSession('manners.drl', MANNERS, mannersFacts(guests), gas);
  const last = session.query('Seating').find((s) => s.fields.get('seat2')?.toString() === String(guests.length));
  const id = last?.fields.get('id')?.toString();
  const seats = session
    .query('Path')
    .filter((p) => p.fields.get('id')?.toString() === id)
    .sort((a, b) => Number(a.fields.get('seat')?.toString()) - Number(b.fields.get('seat')?.toString()))
    .map((p) => String(p.fields.get('name')));
  return { ms, firings, seats };
}

/** Waltz on a prism of 2k sides, its labelling checked against the solid's; then the same run metered. */
function waltzLine(k: number): string {
  const lines = waltzPrism(k);
  const { ms, firings, session } = runSession('waltz.drl', WALTZ, waltzFacts(lines));
  const edges = session.query('Edge').map((e) => ({
    p1: Number(e.fields.get('p1')?.toString()),
    p2: Number(e.fields.get('p2')?.toString()),
    label: (e.fields.get('label') ?? null) as string | null,
    plotted: e.fields.get('plotted') === true,
  }));
  const problems = labellingProblems(lines, edges);
  const verdict = problems.length === 0 ? 'labelling as the solid' : `WRONG: ${problems.slice(0, 3).join('; ')}`;
  const gas = { used: 0 };
  const metered = runSession('waltz.drl', WALTZ, waltzFacts(lines), gas);
  return `cmt    waltz ${String(k).padStart(2)} (${String(lines.length).padStart(3)} lines): ${ms.toFixed(0).padStart(7)} ms, ${firings} firings, ${verdict}; in a contract ${gas.used.toLocaleString('en-US')} gas, ${metered.ms.toFixed(0)} ms metered`;
}

/* The same rules in nools' programmatic API (facts are plain objects of these classes). */
class Guest {
  constructor(
    readonly name: string,
    readonly sex: string,
    readonly hobby: number,
  ) {}
}
class Seating {
  constructor(
    public seat1: number,
    public name1: string,
    public name2: string,
    public seat2: number,
    public id: number,
    public pid: number,
    public pathDone: boolean,
  ) {}
}
class Path {
  constructor(
    readonly id: number,
    readonly name: string,
    readonly seat: number,
  ) {}
}
class Chosen {
  constructor(
    readonly id: number,
    readonly name: string,
    readonly hobby: number,
  ) {}
}
class Context {
  constructor(public state: string) {}
}
class Count {
  constructor(public c: number) {}
}
class LastSeat {
  constructor(readonly seat: number) {}
}

interface NoolsSession {
  assert(fact: object): void;
  modify(fact: object, change?: () => void): void;
  retract(fact: object): void;
  match(): Promise<void>;
  getFacts(type?: unknown): object[];
  dispose(): void;
}
type NoolsAction = (this: NoolsSession, facts: Record<string, never>) => void;
interface NoolsFlow {
  rule(name: string, options: { salience?: number }, constraints: unknown[][], action: NoolsAction): void;
  getSession(...facts: object[]): NoolsSession;
}
interface Nools {
  flow(name: string, define: (flow: NoolsFlow) => void): NoolsFlow;
  deleteFlow(name: string): void;
}

function noolsFlow(nools: Nools, name: string): NoolsFlow {
  return nools.flow(name, (f) => {
    f.rule('assign first seat', {}, [[Context, 'ctx', "ctx.state == 'start'"], [Guest, 'g'], [Count, 'cnt']], function (facts) {
      const { ctx, g, cnt } = facts as unknown as { ctx: Context; g: Guest; cnt: Count };
      this.assert(new Seating(1, g.name, g.name, 1, cnt.c, 0, true));
      this.assert(new Path(cnt.c, g.name, 1));
      this.modify(cnt, function (this: Count) {
        this.c += 1;
      });
      this.modify(ctx, function (this: Context) {
        this.state = 'assign_seats';
      });
    });
    f.rule(
      'find seating',
      {},
      [
        [Context, 'ctx', "ctx.state == 'assign_seats'"],
        [Seating, 's', 's.pathDone == true'],
        [Guest, 'g1', 'g1.name == s.name2'],
        [Guest, 'g2', 'g2.sex != g1.sex && g2.hobby == g1.hobby'],
        [Count, 'cnt'],
        ['not', Path, 'p', 'p.id == s.id && p.name == g2.name'],
        ['not', Chosen, 'ch', 'ch.id == s.id && ch.name == g2.name && ch.hobby == g1.hobby'],
      ],
      function (facts) {
        const { ctx, s, g1, g2, cnt } = facts as unknown as { ctx: Context; s: Seating; g1: Guest; g2: Guest; cnt: Count };
        this.assert(new Seating(s.seat2, s.name2, g2.name, s.seat2 + 1, cnt.c, s.id, false));
        this.assert(new Path(cnt.c, g2.name, s.seat2 + 1));
        this.assert(new Chosen(s.id, g2.name, g1.hobby));
        this.modify(cnt, function (this: Count) {
          this.c += 1;
        });
        this.modify(ctx, function (this: Context) {
          this.state = 'make_path';
        });
      },
    );
    f.rule(
      'make path',
      { salience: 10 },
      [
        [Context, 'ctx', "ctx.state == 'make_path'"],
        [Seating, 's', 's.pathDone == false'],
        [Path, 'p', 'p.id == s.pid'],
        ['not', Path, 'p2', 'p2.id == s.id && p2.name == p.name'],
      ],
      function (facts) {
        const { s, p } = facts as unknown as { s: Seating; p: Path };
        this.assert(new Path(s.id, p.name, p.seat));
      },
    );
    f.rule('path done', {}, [[Context, 'ctx', "ctx.state == 'make_path'"], [Seating, 's', 's.pathDone == false']], function (facts) {
      const { ctx, s } = facts as unknown as { ctx: Context; s: Seating };
      this.modify(s, function (this: Seating) {
        this.pathDone = true;
      });
      this.modify(ctx, function (this: Context) {
        this.state = 'check_done';
      });
    });
    f.rule('are we done', { salience: 10 }, [[Context, 'ctx', "ctx.state == 'check_done'"], [LastSeat, 'l'], [Seating, 's', 's.seat2 == l.seat']], function (facts) {
      const { ctx } = facts as unknown as { ctx: Context };
      this.modify(ctx, function (this: Context) {
        this.state = 'print_results';
      });
    });
    f.rule('continue', {}, [[Context, 'ctx', "ctx.state == 'check_done'"]], function (facts) {
      const { ctx } = facts as unknown as { ctx: Context };
      this.modify(ctx, function (this: Context) {
        this.state = 'assign_seats';
      });
    });
    f.rule('all done', { salience: -10 }, [[Context, 'ctx', "ctx.state == 'print_results'"]], function (facts) {
      const { ctx } = facts as unknown as { ctx: Context };
      this.retract(ctx);
    });
  });
}

async function runNools(nools: Nools, guests: readonly MannersGuest[], flowName: string): Promise<Outcome> {
  const start = performance.now();
  const flow = noolsFlow(nools, flowName);
  const facts: object[] = [...guests.flatMap((g) => g.hobbies.map((h) => new Guest(g.name, g.sex, h))), new LastSeat(guests.length), new Count(1), new Context('start')];
  const session = flow.getSession(...facts);
  await session.match();
  const ms = performance.now() - start;
  const seatings = session.getFacts(Seating) as Seating[];
  const last = seatings.find((s) => s.seat2 === guests.length);
  const seats = (session.getFacts(Path) as Path[])
    .filter((p) => p.id === last?.id)
    .sort((a, b) => a.seat - b.seat)
    .map((p) => p.name);
  session.dispose();
  nools.deleteFlow(flowName);
  return { ms, firings: null, seats };
}

function line(engine: string, n: number, o: Outcome, guests: readonly MannersGuest[]): string {
  const problems = seatingProblems(guests, o.seats);
  const verdict = problems.length === 0 ? 'seating valid' : `INVALID: ${problems.slice(0, 3).join('; ')}`;
  return `${engine.padEnd(6)} manners ${String(n).padStart(3)}: ${o.ms.toFixed(0).padStart(7)} ms${o.firings === null ? '' : `, ${o.firings} firings`}, ${verdict}`;
}

export async function run(args: string[]): Promise<void> {
  const option = (name: string, fallback: string, min: number, max: number): number[] => {
    const at = args.indexOf(name);
    return (at >= 0 ? (args[at + 1] ?? '') : fallback)
      .split(',')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n >= min && n <= max);
  };
  const sizes = option('--sizes', '64,128', 4, 1024);
  const prisms = option('--waltz', '12,25,50', 2, 60);
  const nools = createRequire(import.meta.url)('nools') as Nools;
  console.log('Miss Manners: the same guests (seeded), the same rules, cmt first then nools 0.4.4, each timed from an empty session to the last firing');
  for (const n of sizes) {
    const guests = mannersGuests(n);
    console.log(line('cmt', n, runCmt(guests), guests));
    console.log(line('nools', n, await runNools(nools, guests, `manners-${n}`), guests));
  }
  console.log('json-rules-engine: not run; it has no joins between facts, and Manners is made of them');
  const blockGas = DEFAULT_CONSENSUS_PARAMS.blockMaxGas;
  for (const n of sizes) {
    const gas = { used: 0 };
    const o = runCmt(mannersGuests(n), gas);
    const fits = gas.used <= blockGas ? `fits a block (${blockGas.toLocaleString('en-US')} gas)` : `more than a block holds (${blockGas.toLocaleString('en-US')} gas)`;
    console.log(`in a contract, manners ${String(n).padStart(3)}: ${gas.used.toLocaleString('en-US')} gas for the engine's work (the contract's own instructions come on top), ${o.ms.toFixed(0)} ms metered; ${fits}`);
  }
  console.log('Waltz: line labelling of a prism of 2k sides (bench/rules/waltz.drl), cmt alone, with its in-contract gas');
  for (const k of prisms) console.log(waltzLine(k));
}
