/**
 * The mempool's codes are not the app's: FinalizeBlock cannot produce them (so the results hash
 * cannot hold one), and no number means one thing in each table.
 */
import { describe, expect, it } from 'vitest';
import { TxCode, TxError, txCodeName } from '../../src/app/errors.js';
import { admissionCodeName, isMempoolCode, MempoolCode } from '../../src/mempool/errors.js';

describe('mempool result codes', () => {
  it('share no number with the app table, and keep the numbers clients have seen', () => {
    const app = new Set<number>(Object.values(TxCode));
    for (const code of Object.values(MempoolCode)) expect(app.has(code)).toBe(false);
    expect(MempoolCode).toEqual({ MEMPOOL_FULL: 11, TX_ALREADY_KNOWN: 12 });
    expect(Object.values(TxCode).some(isMempoolCode)).toBe(false);
  });

  it('are not names an app error can take', () => {
    expect('MEMPOOL_FULL' in TxCode).toBe(false);
    // @ts-expect-error the app cannot raise a mempool code: it would reach the results hash.
    expect(new TxError('MEMPOOL_FULL', 'full').txCode).toBeUndefined();
  });

  it('are named for CheckTx answers from both tables', () => {
    expect(admissionCodeName(MempoolCode.MEMPOOL_FULL)).toBe('MEMPOOL_FULL');
    expect(admissionCodeName(MempoolCode.TX_ALREADY_KNOWN)).toBe('TX_ALREADY_KNOWN');
    expect(admissionCodeName(TxCode.NONCE_TOO_LOW)).toBe('NONCE_TOO_LOW');
    expect(txCodeName(MempoolCode.MEMPOOL_FULL)).toBe('UNKNOWN_CODE_11');
  });
});
