import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { txHash } from '../../ui/src/chain/tx-hash.js';
import { eventRows, summarizeTx, withDecoded, type TxEvent } from '../../ui/src/chain/events.js';
import { commitRows } from '../../ui/src/chain/commit-sigs.js';
import { mergeNewest, newestRange } from '../../ui/src/chain/recent.js';
import { errorCode, errorText, isNotFound } from '../../ui/src/chain/rpc-errors.js';

const ALICE = '0x7a9437e0b086de008d23cdbb1b8dde2e75c04702';
const BOB = '0x0000000000000000000000000000000000000001';

describe('txHash', () => {
  it('is sha256 of the bytes in upper-case hex, as the node names transactions', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(txHash(bytes)).toBe(createHash('sha256').update(bytes).digest('hex').toUpperCase());
      }),
    );
  });
});

describe('transaction events', () => {
  const transfer: TxEvent[] = [
    { type: 'tx', attributes: [{ key: 'sender', value: ALICE }, { key: 'nonce', value: '0' }, { key: 'fee', value: '21560000000000' }] },
    { type: 'transfer', attributes: [{ key: 'sender', value: ALICE }, { key: 'recipient', value: BOB }, { key: 'amount', value: '123456789012345678901234567890' }] },
  ];

  it('summarizes a transfer with its exact amount', () => {
    expect(summarizeTx(transfer)).toEqual({ kind: 'transfer', sender: ALICE, recipient: BOB, amount: '123456789012345678901234567890' });
  });

  it('names the candidate of a delegation, and no recipient for a candidate acting on itself', () => {
    const fee = transfer[0]!;
    expect(summarizeTx([fee, { type: 'delegate', attributes: [{ key: 'delegator', value: ALICE }, { key: 'candidate', value: BOB }, { key: 'amount', value: '5' }] }])).toEqual({ kind: 'delegate', sender: ALICE, recipient: BOB, amount: '5' });
    expect(summarizeTx([fee, { type: 'unjail', attributes: [{ key: 'candidate', value: ALICE }] }])).toEqual({ kind: 'unjail', sender: ALICE });
  });

  it('says nothing ran when only the fee event is there (a failed message), and copes with no events', () => {
    expect(summarizeTx([transfer[0]!])).toEqual({ kind: '', sender: ALICE });
    expect(summarizeTx([])).toEqual({ kind: '' });
  });

  it('gives one row per attribute, marking addresses and amounts', () => {
    const rows = eventRows([...transfer, { type: 'empty', attributes: [] }]);
    expect(rows).toHaveLength(7);
    expect(rows.filter((r) => r.address).map((r) => r.value)).toEqual([ALICE, ALICE, BOB]);
    expect(rows.filter((r) => r.amount).map((r) => r.key)).toEqual(['fee', 'amount']);
    expect(rows[6]).toMatchObject({ event: 2, type: 'empty', key: '' });
  });

  it('does not take a non-number as an amount', () => {
    expect(eventRows([{ type: 'x', attributes: [{ key: 'amount', value: '1e5' }] }])[0]!.amount).toBe(false);
  });
});

describe('commitRows', () => {
  const set = [
    { address: 'AA', power: '90000000000000000000' },
    { address: 'BB', power: '10' },
    { address: 'CC', power: '5' },
  ];

  it('names each validator of the set with its flag and power; an absent one by its position', () => {
    const t = new Date(1_000);
    const tally = commitRows(
      [
        { blockIdFlag: 2, validator: 'aa', timestamp: t },
        { blockIdFlag: 1, validator: '' },
        { blockIdFlag: 3, validator: 'CC', timestamp: t },
      ],
      set,
    );
    expect(tally.rows).toEqual([
      { validator: 'AA', flag: 'commit', power: '90000000000000000000', timestamp: t },
      { validator: 'BB', flag: 'absent', power: '10' },
      { validator: 'CC', flag: 'nil', power: '5', timestamp: t },
    ]);
    expect(tally.signedPower).toBe('90000000000000000000');
    expect(tally.totalPower).toBe('90000000000000000015');
  });

  it('still lists validators of the set the commit does not mention', () => {
    const tally = commitRows([{ blockIdFlag: 2, validator: 'AA' }], set);
    expect(tally.rows.map((r) => [r.validator, r.flag])).toEqual([
      ['AA', 'commit'],
      ['BB', 'absent'],
      ['CC', 'absent'],
    ]);
  });
});

describe('recent lists', () => {
  it('keeps each item once, newest first, at most the cap', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ height: fc.integer({ min: 1, max: 50 }), index: fc.integer({ min: 0, max: 3 }) })), fc.array(fc.record({ height: fc.integer({ min: 1, max: 50 }), index: fc.integer({ min: 0, max: 3 }) })), fc.integer({ min: 0, max: 30 }), (a, b, cap) => {
        const key = (x: { height: number; index: number }): string => `${x.height}/${x.index}`;
        const merged = mergeNewest(a, b, key, cap);
        const distinct = new Set([...a, ...b].map(key));
        expect(merged.length).toBe(Math.min(cap, distinct.size));
        expect(new Set(merged.map(key)).size).toBe(merged.length);
        for (let i = 1; i < merged.length; i++) {
          const p = merged[i - 1]!;
          const q = merged[i]!;
          expect(p.height > q.height || (p.height === q.height && p.index > q.index)).toBe(true);
        }
      }),
    );
  });

  it('asks for the newest blocks without going below height 1', () => {
    expect(newestRange(100, 20)).toEqual({ minHeight: 81, maxHeight: 100 });
    expect(newestRange(5, 20)).toEqual({ minHeight: 1, maxHeight: 5 });
    expect(newestRange(0, 20)).toEqual({ minHeight: 1, maxHeight: 1 });
  });
});

describe('errors from a node', () => {
  it('reads the code and message from cmt calls, CosmJS messages and HTTP error bodies', () => {
    const cosmjs = new Error(JSON.stringify({ code: -32001, message: 'Not found', data: 'no tx with hash AB' }));
    expect(isNotFound(cosmjs)).toBe(true);
    expect(errorText(cosmjs)).toBe('Not found: no tx with hash AB');
    const http = new Error('Bad status on response: 404', { cause: { status: 404, body: JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32001, message: 'Not found' } }) } });
    expect(errorCode(http)).toBe(-32001);
    const own = Object.assign(new Error('Invalid params: bad address'), { code: -32602 });
    expect(errorCode(own)).toBe(-32602);
    expect(isNotFound(own)).toBe(false);
    expect(errorText(own)).toBe('Invalid params: bad address');
  });

  it('says plainly that a node did not answer, and copes with anything thrown', () => {
    const timeout = new DOMException('signal timed out', 'TimeoutError');
    expect(errorText(timeout)).toBe('the node did not answer in time');
    expect(errorCode(timeout)).toBeUndefined();
    fc.assert(
      fc.property(fc.anything(), (thrown) => {
        expect(typeof errorText(thrown)).toBe('string');
        expect(typeof isNotFound(thrown)).toBe('boolean');
      }),
    );
    expect(errorText(new Error('{not json'))).toBe('{not json');
  });
});

describe('withDecoded', () => {
  const decoded = { chainId: 'c', nonce: '6', gasLimit: '1', gasPrice: '1', memo: '', sender: ALICE, kind: 'unbond', fields: [{ name: 'candidate', kind: 'address' as const, value: BOB }, { name: 'amount', kind: 'amount' as const, value: '7' }] };

  it('names a failed message from the bytes when the events only tell the fee', () => {
    expect(withDecoded({ kind: '', sender: ALICE }, decoded)).toEqual({ kind: 'unbond', sender: ALICE, recipient: BOB, amount: '7' });
  });

  it('keeps what the events say when the message ran, and copes with bytes that did not decode', () => {
    const ran = { kind: 'transfer', sender: ALICE, recipient: BOB, amount: '1' };
    expect(withDecoded(ran, decoded)).toBe(ran);
    expect(withDecoded({ kind: '' }, undefined)).toEqual({ kind: '' });
  });
});
