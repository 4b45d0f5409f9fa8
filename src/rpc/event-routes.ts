/**
 * Which subscriptions an event is offered to. Events are published on the thread that commits
 * blocks, so an event must not cost a query match per subscription that cannot want it:
 *
 *   - a subscription registers only for the event names (`tm.event`) its query allows
 *     (`eventNamesMatching`): `tm.event='NewBlockHeader' AND …` costs a block's transactions nothing;
 *   - a Tx subscription with an equality on an event attribute (`transfer.recipient='0x…'`) is
 *     indexed by that key and value (`TxRoutes`): a transaction meets only the subscriptions whose
 *     key and value it has, so 1000 subscriptions to 1000 recipients cost a transaction a lookup per
 *     tag it carries, not 1000 matches.
 *
 * Both only skip subscriptions that cannot match: whoever is offered an event still matches
 * its whole query (websocket.ts).
 */
import type { EventBus, TxEvent } from '../node/event-bus.js';
import { CONSENSUS_EVENT_NAMES } from '../node/consensus-events.js';
import { matchesEmpty, valueMatches, type EventQuery, type QueryCondition } from './event-query.js';
import { sharedTxEvent, type SharedEvent } from './event-frames.js';

/** The events of a committed block, in the order they are published (spec/rpc-events.md). */
export const BLOCK_EVENT_NAMES = ['NewBlock', 'NewBlockHeader', 'NewBlockEvents', 'NewEvidence'] as const;
/** Every `tm.event` the node publishes. */
export const EVENT_NAMES: readonly string[] = [...BLOCK_EVENT_NAMES, 'Tx', 'ValidatorSetUpdates', ...CONSENSUS_EVENT_NAMES];

const TYPE_KEY = 'tm.event';

/**
 * The event names `query` can match. Every event's `tm.event` tag is its name alone (apps cannot
 * add one: it is reserved), so a condition on tm.event decides by the name; one that the empty
 * value satisfies (`tm.event=''`) could also hold through an app event typed `tm.event`, so it
 * narrows nothing. No condition on tm.event: every name.
 */
export function eventNamesMatching(query: EventQuery): Set<string> {
  const onType = query.conditions.filter((c) => c.key === TYPE_KEY && !matchesEmpty(c));
  return new Set(EVENT_NAMES.filter((name) => onType.every((c) => valueMatches(c, name))));
}

/**
 * The condition a Tx subscription is indexed by: the first `key='value'` on an event attribute,
 * which holds exactly when the transaction has that value under that key (a non-empty string
 * is matched by equality only; a key without a dot never matches by name). None: undefined.
 */
export function indexCondition(query: EventQuery): { key: string; value: string } | undefined {
  const c = query.conditions.find((x: QueryCondition) => x.op === '=' && x.value?.kind === 'string' && x.value.text !== '' && x.key.includes('.') && x.key !== TYPE_KEY);
  return c?.value === undefined ? undefined : { key: c.key, value: c.value.text };
}

export interface TxSubscriber {
  readonly query: EventQuery;
  /** Matches the whole query and queues the event; never throws. */
  deliver(event: SharedEvent): void;
}

/** The Tx subscriptions of one event bus: one listener on the bus while there is any. */
export class TxRoutes {
  private readonly unindexed = new Set<TxSubscriber>();
  /** key -> value -> subscriptions whose index condition is key='value'. */
  private readonly indexed = new Map<string, Map<string, Set<TxSubscriber>>>();
  private readonly keyOf = new Map<TxSubscriber, { key: string; value: string } | undefined>();

  constructor(private readonly bus: EventBus) {}

  get size(): number {
    return this.keyOf.size;
  }

  add(sub: TxSubscriber): void {
    if (this.keyOf.has(sub)) return;
    const index = indexCondition(sub.query);
    this.keyOf.set(sub, index);
    if (index === undefined) this.unindexed.add(sub);
    else {
      let byValue = this.indexed.get(index.key);
      if (!byValue) this.indexed.set(index.key, (byValue = new Map()));
      const subs = byValue.get(index.value);
      if (subs) subs.add(sub);
      else byValue.set(index.value, new Set([sub]));
    }
    if (this.keyOf.size === 1) this.bus.on('tx', this.onTx);
  }

  remove(sub: TxSubscriber): void {
    if (!this.keyOf.has(sub)) return;
    const index = this.keyOf.get(sub);
    this.keyOf.delete(sub);
    if (index === undefined) this.unindexed.delete(sub);
    else {
      const byValue = this.indexed.get(index.key);
      const subs = byValue?.get(index.value);
      subs?.delete(sub);
      if (subs?.size === 0) byValue?.delete(index.value);
      if (byValue?.size === 0) this.indexed.delete(index.key);
    }
    if (this.keyOf.size === 0) this.bus.off('tx', this.onTx);
  }

  private readonly onTx = (e: TxEvent): void => {
    const event = sharedTxEvent(e);
    // Sets tolerate a subscription leaving (cancelled) while they are iterated.
    for (const sub of this.unindexed) sub.deliver(event);
    if (this.indexed.size === 0) return;
    // A transaction may carry one value twice (two transfers to one recipient): offered once.
    const met = new Set<TxSubscriber>();
    for (const [key, values] of event.tags) {
      const byValue = this.indexed.get(key);
      if (!byValue) continue;
      for (const v of values) {
        const subs = byValue.get(v);
        if (subs) for (const sub of subs) met.add(sub);
      }
    }
    for (const sub of met) sub.deliver(event);
  };
}

const routes = new WeakMap<EventBus, TxRoutes>();

/** The Tx routes of `bus`, shared by every WebSocket client of it. */
export function txRoutesOf(bus: EventBus): TxRoutes {
  let r = routes.get(bus);
  if (!r) routes.set(bus, (r = new TxRoutes(bus)));
  return r;
}
