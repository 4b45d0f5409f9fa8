import { describe, expect, it } from 'vitest';
import { DEFAULT_CONSENSUS_PARAMS } from '../../../src/codec/params.js';
import { DEFAULT_APP_PARAMS } from '../../../src/app/params.js';
import { applyParamChanges, PARAM_NAMES, PARAM_REGISTRY, type ParamSet } from '../../../src/app/gov/param-registry.js';
import { DEFAULT_STAKING_PARAMS, StakingParams } from '../../../src/app/staking/params.js';
import { codeOf } from './gov-fixtures.js';

const SET: ParamSet = { staking: DEFAULT_STAKING_PARAMS, app: DEFAULT_APP_PARAMS, consensus: DEFAULT_CONSENSUS_PARAMS };
const change = (name: string, value: string) => [{ name, value }];

describe('parameter registry', () => {
  it('names every staking field, the app parameters and the consensus parameters', () => {
    for (const field of Object.keys(StakingParams.fields)) expect(PARAM_NAMES).toContain(`staking.${field}`);
    expect(PARAM_NAMES.filter((n) => !n.startsWith('staking.'))).toEqual([
      'app.min_gas_price',
      'app.gas.tx_base',
      'app.gas.tx_byte',
      'app.gas.transfer',
      'consensus.block_max_bytes',
      'consensus.block_max_gas',
      'consensus.max_tx_bytes',
      'consensus.evidence_max_age_blocks',
      'consensus.timeouts.propose_ms',
      'consensus.timeouts.propose_delta_ms',
      'consensus.timeouts.prevote_ms',
      'consensus.timeouts.prevote_delta_ms',
      'consensus.timeouts.precommit_ms',
      'consensus.timeouts.precommit_delta_ms',
      'consensus.timeouts.commit_ms',
    ]);
    // Each reads back the current value.
    expect(PARAM_REGISTRY.get('consensus.timeouts.commit_ms')?.get(SET)).toBe(1000n);
    expect(PARAM_REGISTRY.get('staking.govDeposit')?.get(SET)).toBe(DEFAULT_STAKING_PARAMS.govDeposit);
  });

  it('applies changes of each group without touching the rest', () => {
    const next = applyParamChanges(SET, [
      { name: 'staking.govVotingBlocks', value: '50' },
      { name: 'staking.minDelegation', value: '5000000000000000000' },
      { name: 'app.gas.tx_byte', value: '12' },
      { name: 'app.min_gas_price', value: '0' },
      { name: 'consensus.timeouts.commit_ms', value: '2500' },
    ]);
    expect(next.staking).toEqual({ ...DEFAULT_STAKING_PARAMS, govVotingBlocks: 50, minDelegation: 5n * 10n ** 18n });
    expect(next.app).toEqual({ minGasPrice: 0n, gas: { ...DEFAULT_APP_PARAMS.gas, txByte: 12 } });
    expect(next.consensus).toEqual({ ...DEFAULT_CONSENSUS_PARAMS, timeouts: { ...DEFAULT_CONSENSUS_PARAMS.timeouts, nextBlockDelay: 2500 } });
    expect(SET.consensus?.timeouts.nextBlockDelay).toBe(1000); // pure: the input is unchanged
  });

  it('rejects unknown names, malformed values, values out of range and duplicates', () => {
    expect(codeOf(() => applyParamChanges(SET, change('staking.noSuchThing', '1')))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => applyParamChanges(SET, change('consensus.timeouts.commit', '1000')))).toBe('INVALID_PROPOSAL');
    for (const bad of ['', '1.5', '-1', '01', ' 5', '5 ', '1e3', '0x10', '+3']) {
      expect(codeOf(() => applyParamChanges(SET, change('staking.epochBlocks', bad))), bad).toBe('INVALID_PROPOSAL');
    }
    expect(codeOf(() => applyParamChanges(SET, change('staking.govQuorumBps', '10001')))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => applyParamChanges(SET, change('consensus.timeouts.commit_ms', '0')))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => applyParamChanges(SET, change('consensus.timeouts.commit_ms', '600001')))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => applyParamChanges(SET, change('consensus.block_max_bytes', '1023')))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => applyParamChanges(SET, change('staking.maxValidators', String(2 ** 53))))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => applyParamChanges(SET, [...change('staking.epochBlocks', '5'), ...change('staking.epochBlocks', '6')]))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => applyParamChanges(SET, []))).toBe('INVALID_PROPOSAL');
  });

  it('rejects a set that is invalid as a whole', () => {
    // Each value is in range on its own, but the staking checks fail on the result.
    expect(codeOf(() => applyParamChanges(SET, change('staking.govPassBps', '4000')))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => applyParamChanges(SET, change('staking.epochBlocks', '0')))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => applyParamChanges(SET, [...change('staking.proposerBaseBps', '6000'), ...change('staking.proposerBonusBps', '6000')]))).toBe('INVALID_PROPOSAL');
    // The largest transaction must still fit a block, in bytes and in gas.
    expect(codeOf(() => applyParamChanges(SET, change('consensus.max_tx_bytes', String(9 * 1024 * 1024))))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => applyParamChanges(SET, change('consensus.block_max_gas', '1000000')))).toBe('INVALID_PROPOSAL');
    expect(codeOf(() => applyParamChanges(SET, change('app.gas.tx_byte', '1000')))).toBe('INVALID_PROPOSAL');
    // Both together are fine.
    expect(applyParamChanges(SET, [...change('consensus.max_tx_bytes', '65536'), ...change('consensus.block_max_gas', '1000000')]).consensus?.maxTxBytes).toBe(65536);
  });

  it('cannot change consensus parameters while the chain keeps no copy of them', () => {
    const none: ParamSet = { ...SET, consensus: undefined };
    expect(codeOf(() => applyParamChanges(none, change('consensus.timeouts.commit_ms', '2000')))).toBe('INVALID_PROPOSAL');
    expect(applyParamChanges(none, change('staking.epochBlocks', '7')).staking.epochBlocks).toBe(7);
  });
});
