/**
 * review15: a `messages` filter naming a twin as `signer` selects nothing. The parser takes a
 * twin's name as a signer ("a signer is a validator or a twin"; spec/faults.md: `signer` is a
 * "list of validator or twin names"), and the link model compiles it to the twin's NODE index;
 * but a message's signer is the VALIDATOR index of the key that signed it (message-info.ts:
 * "a twin's messages are its validator's"). So `signer: [v3-twin]` never matches: the fault
 * silently does nothing, neither to the twin's votes nor to its validator's.
 */
import { describe, expect, it } from 'vitest';
import { encodeVote, voteSignBytes, type Vote } from '../../src/codec/vote.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { sign } from '../../src/crypto/ed25519.js';
import { toHex } from '../../src/codec/bytes.js';
import { topicsFor } from '../../src/node/network.js';
import { MessageInfo } from '../../src/sim/message-info.js';
import { SimNetwork } from '../../src/sim/network.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { SIM_CHAIN_ID, validatorKey } from '../../src/sim/sim-genesis.js';

const YAML = `
name: twin-signer
duration_ms: 5000
validators:
  - { name: v0, power: 1 }
  - { name: v1, power: 1 }
  - { name: v2, power: 1 }
  - { name: v3, power: 1 }
nodes:
  - { name: v3-twin, twin_of: v3 }
faults:
  - { type: messages, at: 0, filter: { signer: [v3-twin] }, drop: 1 }
`;

describe('review15: a messages filter on a twin signer', () => {
  it('selects the votes the twin signs', () => {
    const scenario = parseScenario(YAML, 'twin-signer.yaml');
    const names = [...scenario.validators.map((v) => v.name), ...(scenario.nodes ?? []).map((n) => n.name)];
    const twin = names.indexOf('v3-twin');
    const keys = scenario.validators.map((v) => validatorKey(v.name));
    // As the simulator builds it: validator keys and addresses; the twin (node 4) signs as validator 3.
    const info = new MessageInfo(SIM_CHAIN_ID, topicsFor(SIM_CHAIN_ID), keys.map((k) => k.publicKey), keys.map((k) => toHex(addressFromPublicKey(k.publicKey))), (i) => (i === twin ? 3 : i < 4 ? i : -1));
    const key = keys[3]!;
    const unsigned = { type: 1 as const, height: 3, round: 0, blockHash: new Uint8Array(32).fill(7) };
    const vote: Vote = { ...unsigned, validatorAddress: addressFromPublicKey(key.publicKey), validatorIndex: 3, signature: sign(key.privateKey, voteSignBytes(SIM_CHAIN_ID, unsigned)) };
    const data = encodeVote(vote);
    // The twin sends its prevote.
    info.leaving(twin, topicsFor(SIM_CHAIN_ID).vote, data);
    const message = info.of(data)?.message;
    expect(message).toBeDefined();
    const net = new SimNetwork(names, scenario.network, scenario.faults);
    // The filter names the twin as the signer and drops everything it selects.
    expect(net.behaviour(twin, 0, 100, message).drop).toBe(1);
  });
});
