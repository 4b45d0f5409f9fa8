import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/codec/bytes.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { configToJson, DEFAULT_CONFIG, parseConfig } from '../../src/node/config.js';
import { genesisToJson, MAX_GENESIS_DEPTH, parseGenesis, readGenesisFile } from '../../src/node/genesis.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';

function genesisJson(): Record<string, unknown> {
  return genesisToJson({
    chainId: 'test-chain',
    genesisTime: Date.parse('2026-01-01T00:00:00Z'),
    initialHeight: 1,
    consensusParams: DEFAULT_CONSENSUS_PARAMS,
    validators: [{ name: 'v0', publicKey: generateKeyPair().publicKey, power: 10 }],
    appState: {},
  }) as unknown as Record<string, unknown>;
}

describe('genesis file', () => {
  it('round-trips through JSON', () => {
    const json = genesisJson();
    const doc = parseGenesis(JSON.parse(JSON.stringify(json)));
    expect(genesisToJson(doc)).toEqual(json);
  });

  it.each([
    ['an empty chain id', (g: Record<string, unknown>) => ({ ...g, chain_id: '' }), /chain_id/],
    ['a bad time', (g: Record<string, unknown>) => ({ ...g, genesis_time: 'yesterday' }), /genesis_time/],
    ['no validators', (g: Record<string, unknown>) => ({ ...g, validators: [] }), /validators/],
    ['a small-order validator key', (g: Record<string, unknown>) => ({ ...g, validators: [{ name: 'x', pub_key: toHex(new Uint8Array(32)), power: 1 }] }), /not a valid Ed25519/],
    ['zero power', (g: Record<string, unknown>) => ({ ...g, validators: [{ ...(g.validators as object[])[0], power: 0 }] }), /power must be positive/],
    ['an address that does not match', (g: Record<string, unknown>) => ({ ...g, validators: [{ ...(g.validators as object[])[0], address: '0x' + '1'.repeat(40) }] }), /does not match/],
  ])('rejects %s', (_name, mutate, pattern) => {
    expect(() => parseGenesis(mutate(genesisJson()), 'genesis.json')).toThrow(pattern);
  });

  /** An array nested `depth` deep: String() of it recurses once per level. */
  const deep = (depth: number): unknown => {
    let value: unknown = [];
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  };

  it.each([
    ['genesis_time', (g: Record<string, unknown>) => ({ ...g, genesis_time: deep(20_000) }), /genesis_time/],
    ['a validator pub_key', (g: Record<string, unknown>) => ({ ...g, validators: [{ ...(g.validators as object[])[0], pub_key: deep(20_000) }] }), /pub_key is not hex/],
  ])('refuses a deeply nested %s with a clear error, not a stack overflow', (_name, mutate, pattern) => {
    expect(() => parseGenesis(mutate(genesisJson()), 'genesis.json')).toThrow(pattern);
  });

  it('refuses a genesis file nested deeper than it could need before parsing it, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cmt-deep-genesis-'));
    try {
      const file = join(dir, 'genesis.json');
      const text = JSON.stringify(genesisJson()).replace('"app_state":{}', `"app_state":{"accounts":${'['.repeat(5_000)}${']'.repeat(5_000)}}`);
      await writeFile(file, text);
      await expect(readGenesisFile(file)).rejects.toThrow(new RegExp(`${file}: JSON nested deeper than ${MAX_GENESIS_DEPTH} levels`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('config file', () => {
  it('fills defaults for missing keys', () => {
    expect(parseConfig({})).toEqual(DEFAULT_CONFIG);
    expect(parseConfig({ rpc: { port: 1234 } }).rpc.port).toBe(1234);
  });

  it('round-trips p2p, storage and timeout overrides through JSON', () => {
    const json = {
      p2p: { host: '0.0.0.0', port: 0, persistent_peers: ['/ip4/10.0.0.2/tcp/26656/p2p/12D3KooWAzRVtJW14hXoeWjAfSFa1M6whfRcRbNazBHGBeHirUGC'], max_peers: 7 },
      storage: { retain_blocks: 1000 },
      consensus: { timeouts: { commit_ms: 250, propose_ms: 3000 } },
    };
    const config = parseConfig(json);
    expect(config.consensus.timeouts).toEqual({ nextBlockDelay: 250, propose: 3000 });
    expect(config.p2p).toMatchObject({ host: '0.0.0.0', maxPeers: 7 });
    expect(config.storage.retainBlocks).toBe(1000);
    expect(parseConfig(configToJson(config))).toEqual(config);
  });

  it.each([
    [{ rpcc: {} }, /unknown setting "rpcc"/],
    [{ consensus: { timeouts: { commit: 5 } } }, /unknown setting "consensus.timeouts.commit"/],
    [{ consensus: { timeouts: { commit_ms: -1 } } }, /commit_ms must be an integer/],
    [{ p2p: { persistent_peers: ['127.0.0.1:26656'] } }, /persistent_peers/],
    [{ storage: { retain_blocks: 1.5 } }, /retain_blocks/],
    [{ rpc: { port: 70000 } }, /port must be an integer/],
    [{ log_level: 'loud' }, /log_level/],
    [{ mempool: 5 }, /"mempool" must be an object/],
  ])('rejects %j', (json, pattern) => {
    expect(() => parseConfig(json, 'config.json')).toThrow(pattern);
  });
});
