/**
 * What every subscription shares of one pushed event, made once per event: its tags (what
 * queries match) and the JSON of its data and tags as bytes. Events are published on the
 * consensus thread, so per subscription the node only matches the query and queues a short
 * prefix (the subscription's id and query) before the shared bytes; a block is serialized
 * once, not once per subscriber, and only if a subscription matched it.
 *
 * Shapes are CometBFT 0.38's (types/events.go, EventData*), built from the RPC's views:
 * spec/rpc-events.md lists them.
 */
import type { NewBlockEvent, TxEvent, ValidatorSetUpdatesEvent } from '../node/event-bus.js';
import type { ObservedConsensusEvent } from '../node/consensus-events.js';
import type { AppEvent } from '../codec/results.js';
import { addressFromPublicKey } from '../crypto/address.js';
import { addTag, type EventTags } from './event-query.js';
import { blockSearchTags, txSearchTags } from '../store/event-index.js';
import { blockIdView, evidenceView, validatorAddressView, voteView } from './comet-views.js';
import { base64, blockResultsView, blockView, eventsView, headerView, hexUpper, isoTime, pubKeyView, txResultView } from './views.js';

export interface SharedEvent {
  tags: EventTags;
  /** `,"data":…,"events":…}}`: the end of every message pushing this event. Throws if it cannot be serialized. */
  tail(): Buffer;
}

function typeTag(name: string): EventTags {
  return new Map([['tm.event', [name]]]);
}

/** Tags of a block event: its name, then what a block search sees (spec/rpc-search.md), so a subscription and a search match the same blocks. */
function blockTags(name: string, height: number, events: readonly AppEvent[]): EventTags {
  const tags = typeTag(name);
  for (const [key, values] of blockSearchTags(height, events)) for (const v of values) addTag(tags, key, v);
  return tags;
}

/** Made once, failure included: a subscriber after the first must not pay for it again. */
function shared(tags: EventTags, name: string, value: () => unknown): SharedEvent {
  let tail: Buffer | Error | undefined;
  const make = (): Buffer | Error => {
    try {
      const data = { type: `tendermint/event/${name}`, value: value() };
      return Buffer.from(`,"data":${JSON.stringify(data)},"events":${JSON.stringify(Object.fromEntries(tags))}}}`, 'utf8');
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  };
  return {
    tags,
    tail: () => {
      tail ??= make();
      if (tail instanceof Error) throw tail;
      return tail;
    },
  };
}

/** ResponseFinalizeBlock as CometBFT's NewBlock carries it, in the same shapes as block_results. */
function finalizeBlockView(e: NewBlockEvent): Record<string, unknown> {
  const r = e.response;
  const results = blockResultsView({
    height: e.block.header.height,
    txResults: r.txResults,
    events: r.events,
    validatorUpdates: r.validatorUpdates,
    consensusParamUpdates: r.consensusParamUpdates ? [r.consensusParamUpdates] : [],
    appHash: r.appHash,
  });
  return {
    events: results.finalize_block_events,
    tx_results: results.txs_results,
    validator_updates: results.validator_updates,
    consensus_param_updates: results.consensus_param_updates,
    app_hash: results.app_hash,
  };
}

/** The events of one committed block, in CometBFT's order: NewBlock, NewBlockHeader, NewBlockEvents, then NewEvidence for each evidence. */
function blockEvents(e: NewBlockEvent): SharedEvent[] {
  const { header } = e.block;
  const height = header.height;
  const appEvents = e.response.events;
  const out = [
    shared(blockTags('NewBlock', height, appEvents), 'NewBlock', () => ({ ...blockView(e.block, e.hash), result_finalize_block: finalizeBlockView(e) })),
    shared(blockTags('NewBlockHeader', height, []), 'NewBlockHeader', () => ({ header: headerView(header) })),
    shared(blockTags('NewBlockEvents', height, appEvents), 'NewBlockEvents', () => ({ height: String(height), events: eventsView(appEvents), num_txs: String(e.block.txs.length) })),
  ];
  for (const evidence of e.block.evidence) out.push(shared(typeTag('NewEvidence'), 'NewEvidence', () => ({ evidence: evidenceView(evidence), height: String(height) })));
  return out;
}

function txEvent(e: TxEvent): SharedEvent {
  // What tx_search sees of it, so a subscription and a search match the same transactions (and an app event cannot pose as tm.event or tx.hash).
  const tags = txSearchTags(hexUpper(e.hash), e.height, e.result);
  return shared(tags, 'Tx', () => ({ TxResult: { height: String(e.height), index: e.index, tx: base64(e.tx), hash: hexUpper(e.hash), result: txResultView(e.result) } }));
}

function validatorSetUpdatesEvent(e: ValidatorSetUpdatesEvent): SharedEvent {
  return shared(typeTag('ValidatorSetUpdates'), 'ValidatorSetUpdates', () => ({
    validator_updates: e.updates.map((u) => ({
      address: validatorAddressView(addressFromPublicKey(u.publicKey)),
      pub_key: pubKeyView(u.publicKey),
      voting_power: String(u.power),
      // An update carries no priority: CometBFT's is 0 until the set is recomputed.
      proposer_priority: '0',
    })),
  }));
}

/** CometBFT's JSON name of each consensus event's data (EventDataRoundState serves several). */
function consensusDataName(e: ObservedConsensusEvent): string {
  return e.name === 'NewRound' || e.name === 'CompleteProposal' || e.name === 'Vote' ? e.name : 'RoundState';
}

function consensusData(e: ObservedConsensusEvent): unknown {
  switch (e.name) {
    case 'Vote':
      return { Vote: voteView(e.vote, isoTime(e.time)) };
    case 'NewRound':
      return { height: String(e.height), round: e.round, step: e.step, proposer: { address: validatorAddressView(e.proposer.address), index: e.proposer.index } };
    case 'CompleteProposal':
      return { height: String(e.height), round: e.round, step: e.step, block_id: blockIdView(e.blockHash) };
    default:
      return { height: String(e.height), round: e.round, step: e.step };
  }
}

function consensusEvent(e: ObservedConsensusEvent): SharedEvent {
  return shared(typeTag(e.name), consensusDataName(e), () => consensusData(e));
}

// Keyed by the event object, which the event bus hands to every listener: gone with the event.
const cache = new WeakMap<object, SharedEvent | SharedEvent[]>();

function once<E extends object, S extends SharedEvent | SharedEvent[]>(event: E, make: (e: E) => S): S {
  const known = cache.get(event);
  if (known) return known as S;
  const made = make(event);
  cache.set(event, made);
  return made;
}

export const sharedBlockEvents = (e: NewBlockEvent): SharedEvent[] => once(e, blockEvents);
export const sharedTxEvent = (e: TxEvent): SharedEvent => once(e, txEvent);
export const sharedValidatorSetUpdates = (e: ValidatorSetUpdatesEvent): SharedEvent => once(e, validatorSetUpdatesEvent);
export const sharedConsensusEvent = (e: ObservedConsensusEvent): SharedEvent => once(e, consensusEvent);

/** `{"jsonrpc":"2.0","id":…,"result":{"query":…`: the start of a message to one subscription. */
export function messageHead(id: unknown, query: string): Buffer {
  return Buffer.from(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"query":${JSON.stringify(query)}`, 'utf8');
}
