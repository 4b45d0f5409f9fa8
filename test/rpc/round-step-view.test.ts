/**
 * consensus_state shows the round step by the names clients have always read: the core's
 * internal names may change (its `decided` was `commit`), the RPC's may not.
 */
import { describe, expect, it } from 'vitest';
import type { RoundStep } from '../../src/consensus/types.js';
import { roundStepView } from '../../src/rpc/views.js';

describe('the round step in consensus_state', () => {
  it.each<[RoundStep, string]>([
    ['newHeight', 'newHeight'],
    ['propose', 'propose'],
    ['prevote', 'prevote'],
    ['precommit', 'precommit'],
    ['decided', 'commit'],
  ])('shows %s as %s', (step, shown) => {
    expect(roundStepView(step)).toBe(shown);
  });
});
