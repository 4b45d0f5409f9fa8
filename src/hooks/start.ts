/** Starts a node's webhook endpoint when its config enables it (spec/webhooks.md, "Attesting nodes"). */
import { CmtError } from '../codec/errors.js';
import { KeyDirectory } from '../crypto/key-directory.js';
import { decryptKey } from '../crypto/keystore.js';
import type { NodeApi } from '../node/api.js';
import type { WebhooksConfig } from '../node/config.js';
import type { Logger } from '../node/logger.js';
import { Attester } from './attester.js';
import { HookEndpoint, startWebhookServer, type HookNode, type WebhookServer } from './server.js';

/** The attester key's passphrase comes from the environment (a testnet's keys have none). */
export const ATTESTER_PASSPHRASE_ENV = 'CMT_ATTESTER_PASSPHRASE';

export async function startWebhooks(node: NodeApi & { mempool: { has(hash: Uint8Array): boolean } }, keysDir: string, config: WebhooksConfig, logger: Logger): Promise<WebhookServer | undefined> {
  if (!config.enabled) return undefined;
  const keys = new KeyDirectory(keysDir);
  if (!(await keys.has(config.attesterKey))) throw new CmtError('INVALID_CONFIG', `webhooks.attester_key: no key "${config.attesterKey}" in ${keysDir} (cmt keys add ${config.attesterKey})`);
  const key = await decryptKey(await keys.get(config.attesterKey), process.env[ATTESTER_PASSPHRASE_ENV] ?? '');
  const attester = new Attester(node, key);
  logger.info({ attester: attester.address }, 'this node attests webhook calls');
  const hookNode: HookNode = { query: (request) => node.query(request), status: () => node.status(), isPending: (hash) => node.mempool.has(hash) };
  return startWebhookServer(new HookEndpoint(hookNode, attester, config, logger), config, logger);
}
