/**
 * The dashboard's settings in config.json (dashboard.*, rpc.cors_allowed_origins): junk is
 * refused at start with INVALID_CONFIG naming the setting, and a testnet's homes list every
 * node and let each node's page call the others.
 */
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/testnet-processes.js';
import { configToJson, DEFAULT_CONFIG, parseConfig, readConfigFile } from '../../src/node/config.js';
import { homePaths } from '../../src/node/home.js';
import { createTestnet } from '../../src/node/testnet-homes.js';
import { tempDir } from '../support/temp-dir.js';

function refusal(json: unknown): { code: string; message: string } {
  try {
    parseConfig(json, 'config.json');
  } catch (err) {
    return { code: (err as { code: string }).code, message: (err as Error).message };
  }
  throw new Error(`accepted ${JSON.stringify(json)}`);
}

describe('dashboard and CORS settings', () => {
  it('read back what they write, and default to a dashboard with no roster, traces or CORS', () => {
    expect(parseConfig({}).dashboard).toEqual({ enabled: true, nodes: [], tracesDir: '' });
    expect(parseConfig({}).rpc.corsAllowedOrigins).toEqual([]);
    const config = {
      ...DEFAULT_CONFIG,
      rpc: { ...DEFAULT_CONFIG.rpc, corsAllowedOrigins: ['http://127.0.0.1:26657', 'https://[::1]:443'] },
      dashboard: { enabled: false, nodes: [{ name: 'node 0', rpc: 'http://localhost:26657' }], tracesDir: '/var/cmt/traces' },
    };
    const back = parseConfig(JSON.parse(JSON.stringify(configToJson(config))));
    expect(back.dashboard).toEqual(config.dashboard);
    expect(back.rpc.corsAllowedOrigins).toEqual(config.rpc.corsAllowedOrigins);
    expect(parseConfig({ rpc: { cors_allowed_origins: ['*'] } }).rpc.corsAllowedOrigins).toEqual(['*']);
  });

  it.each([
    ['a string', 'http://127.0.0.1:26657'],
    ['a number in the list', [26657]],
    ['another scheme', ['ftp://127.0.0.1:21']],
    ['a path after the origin', ['http://127.0.0.1:26657/ui']],
    ['a trailing slash', ['http://127.0.0.1:26657/']],
    ['a wildcard host', ['http://*.example']],
    ['script', ['javascript:alert(1)']],
    ['more than 100', Array.from({ length: 101 }, (_, i) => `http://127.0.0.1:${20000 + i}`)],
  ])('refuses cors_allowed_origins with %s', (_what, value) => {
    const { code, message } = refusal({ rpc: { cors_allowed_origins: value } });
    expect(code).toBe('INVALID_CONFIG');
    expect(message).toContain('rpc.cors_allowed_origins');
  });

  it.each([
    ['an object', { node0: 'http://127.0.0.1:26657' }],
    ['a node without a name', [{ rpc: 'http://127.0.0.1:26657' }]],
    ['an empty name', [{ name: '', rpc: 'http://127.0.0.1:26657' }]],
    ['a name with a control character', [{ name: 'node\u0000', rpc: 'http://127.0.0.1:26657' }]],
    ['a name over 64 characters', [{ name: 'n'.repeat(65), rpc: 'http://127.0.0.1:26657' }]],
    ['an rpc that is not an http origin', [{ name: 'node0', rpc: 'javascript:alert(1)' }]],
    ['an rpc with a path', [{ name: 'node0', rpc: 'http://127.0.0.1:26657/status' }]],
    ['null in the list', [null]],
    ['more than 100', Array.from({ length: 101 }, (_, i) => ({ name: `n${i}`, rpc: `http://127.0.0.1:${20000 + i}` }))],
  ])('refuses dashboard.nodes with %s', (_what, value) => {
    const { code, message } = refusal({ dashboard: { nodes: value } });
    expect(code).toBe('INVALID_CONFIG');
    expect(message).toContain('dashboard.nodes');
  });

  it.each([
    ['a number', 5],
    ['a list', ['/tmp']],
    ['a NUL', '/tmp/traces\u0000/etc'],
    ['over 4096 characters', `/${'d'.repeat(4096)}`],
  ])('refuses dashboard.traces_dir with %s', (_what, value) => {
    const { code, message } = refusal({ dashboard: { traces_dir: value } });
    expect(code).toBe('INVALID_CONFIG');
    expect(message).toContain('dashboard.traces_dir');
  });

  it('refuses a non-boolean dashboard.enabled, a misspelt dashboard setting, and a dashboard that is not an object', () => {
    expect(refusal({ dashboard: { enabled: 'yes' } }).message).toContain('dashboard.enabled');
    expect(refusal({ dashboard: { trace_dir: '/tmp' } }).message).toContain('dashboard.trace_dir');
    expect(refusal({ dashboard: [] }).message).toContain('"dashboard"');
  });
});

describe("a testnet's homes", () => {
  it('list every node in each dashboard, and allow each node\'s page to call every other', async () => {
    const dir = await tempDir('ui-testnet-homes');
    try {
      const net = await createTestnet({ dir: dir.path, validators: 3, fullNodes: 1, chainId: 'cmt-ui-homes', freePort });
      const roster = net.nodes.map((n) => ({ name: n.name, rpc: `http://127.0.0.1:${n.rpcPort}` }));
      expect(roster.map((n) => n.name)).toEqual(['node0', 'node1', 'node2', 'node3']);
      for (const node of net.nodes) {
        const config = await readConfigFile(homePaths(node.home).config);
        expect(config.moniker).toBe(node.name);
        expect(config.dashboard.enabled).toBe(true);
        expect(config.dashboard.nodes).toEqual(roster);
        expect([...config.rpc.corsAllowedOrigins].sort()).toEqual(roster.map((n) => n.rpc).sort());
      }
    } finally {
      await dir.cleanup();
    }
  });
});
