/**
 * event-routes.ts skips, as events are published, the subscriptions that cannot match them:
 * by event name (tm.event) and, for Tx, by one indexed equality. Skipping must never lose an
 * event a subscription's query matches, nor offer one event twice.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventBus, type TxEvent } from '../../src/node/event-bus.js';
import type { TxResult } from '../../src/codec/results.js';
import { addTag, matches, parseEventQuery, type EventTags } from '../../src/rpc/event-query.js';
import { EVENT_NAMES, eventNamesMatching, TxRoutes, type TxSubscriber } from '../../src/rpc/event-routes.js';
import { sharedTxEvent, type SharedEvent } from '../../src/rpc/event-frames.js';

const KEYS = ['tm.event', 'tm', 'transfer.recipient', 'transfer.amount', 'message.action', 'transfer', 'tm.event.x', 'tx.height'];
const VALUES = ['Tx', 'NewBlock', 'Vote', 'NewBlockHeader', 'a', 'b', '', '5', 'x1'];

const condition = fc.oneof(
  fc.record({ key: fc.constantFrom(...KEYS) }).map(({ key }) => `${key} EXISTS`),
  fc.record({ key: fc.constantFrom(...KEYS), v: fc.constantFrom(...VALUES) }).map(({ key, v }) => `${key}='${v}'`),
  fc.record({ key: fc.constantFrom(...KEYS), v: fc.constantFrom(...VALUES) }).map(({ key, v }) => `${key} CONTAINS '${v}'`),
  fc.record({ key: fc.constantFrom(...KEYS), op: fc.constantFrom('=', '<', '<=', '>', '>='), n: fc.integer({ min: 0, max: 9 }) }).map(({ key, op, n }) => `${key}${op}${n}`),
);
const queryText = fc.array(condition, { minLength: 1, maxLength: 4 }).map((cs) => cs.join(' AND '));

/** App events as a transaction or block may carry them (types and keys that may collide with tm.event). */
const appEvents = fc.array(
  fc.record({
    type: fc.constantFrom('transfer', 'message', 'tm', 'tm.event', 'transfer.recipient'),
    attributes: fc.array(fc.record({ key: fc.constantFrom('recipient', 'amount', 'action', 'event', 'x'), value: fc.constantFrom(...VALUES) }), { maxLength: 3 }),
  }),
  { maxLength: 4 },
);

describe('event routes', () => {
  it('an event whose tags a query matches has a name the query registers for', () => {
    fc.assert(
      fc.property(queryText, fc.constantFrom(...EVENT_NAMES), appEvents, (text, name, events) => {
        const query = parseEventQuery(text);
        const tags: EventTags = new Map([['tm.event', [name]]]);
        for (const e of events) for (const a of e.attributes) if (`${e.type}.${a.key}` !== 'tm.event') addTag(tags, `${e.type}.${a.key}`, a.value);
        if (matches(query, tags)) expect(eventNamesMatching(query).has(name)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('a transaction is offered, once, to every Tx subscription whose query matches it', () => {
    fc.assert(
      fc.property(fc.uniqueArray(queryText, { minLength: 1, maxLength: 12 }), fc.array(appEvents, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 3 }), (texts, txs, leaving) => {
        const bus = new EventBus();
        const routes = new TxRoutes(bus);
        const offered = new Map<TxSubscriber, SharedEvent[]>();
        const subs: TxSubscriber[] = texts.map((t) => {
          const sub: TxSubscriber = { query: parseEventQuery(t), deliver: (event) => offered.get(sub)?.push(event) };
          offered.set(sub, []);
          return sub;
        });
        for (const sub of subs) routes.add(sub);
        // Some leave again: they are offered nothing.
        const gone = subs.slice(0, Math.min(leaving, subs.length));
        for (const sub of gone) routes.remove(sub);
        const published: TxEvent[] = txs.map((events, index) => ({
          hash: new Uint8Array(32).fill(index),
          height: 5,
          index,
          tx: Uint8Array.of(index),
          result: { code: 0, codespace: '', log: '', gasWanted: 1, gasUsed: 1, events } as unknown as TxResult,
        }));
        for (const e of published) bus.emit('tx', e);
        const shared = published.map((e) => sharedTxEvent(e));
        for (const sub of subs) {
          const got = offered.get(sub) ?? [];
          expect(new Set(got).size).toBe(got.length);
          if (gone.includes(sub)) {
            expect(got).toEqual([]);
            continue;
          }
          // Offered every transaction its query matches (it may be offered more: it matches the whole query itself).
          for (const event of shared) if (matches(sub.query, event.tags)) expect(got).toContain(event);
        }
        for (const sub of subs) routes.remove(sub);
        expect(bus.listenerCount('tx')).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('1000 subscriptions to 1000 recipients: a transaction is offered only to its recipient\'s', () => {
    const bus = new EventBus();
    const routes = new TxRoutes(bus);
    let offers = 0;
    const recipient = (i: number): string => `0x${i.toString(16).padStart(40, '0')}`;
    const subs = Array.from({ length: 1000 }, (_, i): TxSubscriber => ({ query: parseEventQuery(`tm.event='Tx' AND transfer.recipient='${recipient(i)}'`), deliver: () => offers++ }));
    for (const sub of subs) routes.add(sub);
    for (let i = 0; i < 2000; i++) {
      const events = [{ type: 'transfer', attributes: [{ key: 'recipient', value: recipient(i % 1000) }, { key: 'amount', value: '1' }] }];
      bus.emit('tx', { hash: new Uint8Array(32), height: 5, index: i, tx: Uint8Array.of(1), result: { code: 0, codespace: '', log: '', gasWanted: 1, gasUsed: 1, events } as unknown as TxResult });
    }
    expect(offers).toBe(2000);
  });
});
