/**
 * The application's own queries (spec/queries.md), beside the modules': a raw store read, the
 * app parameters, and the dry run of a transaction (Cosmos answers it at /app/simulate).
 */
import { APP_PARAMS_KEY } from '../app-store.js';
import { estimateTx } from './dry-run.js';
import { noData, type ModuleQuerier } from './router.js';

export const storeQuerier: ModuleQuerier = {
  prefix: '/store',
  routes: {
    /** data: a raw state key; value: its stored bytes (empty when absent). */
    '/store': { answer: (data) => ({ storeKey: data }) },
  },
};

export const paramsQuerier: ModuleQuerier = {
  prefix: '/params',
  routes: {
    /** value: the RLP app parameters (min gas price, gas schedule). */
    '/params': { answer: (data) => (noData('/params', data), { storeKey: APP_PARAMS_KEY }) },
  },
};

export const appQuerier: ModuleQuerier = {
  prefix: '/app',
  routes: {
    /**
     * data: a signed transaction; value: {"gas_used", "code", "log"}: the gas it would use if a
     * block executed it now, from the sender's pending nonce (a dry run capped at the query gas
     * limit and the block gas limit, with no fee; the signature is not checked).
     */
    '/app/simulate': {
      gated: true,
      latestOnly: true,
      answer: (data, env) => {
        const r = estimateTx(env.pending(), data, env.limits(), env.gasLimit, env.decode);
        return { json: { gas_used: String(r.gasUsed), code: r.code, log: r.log } };
      },
    },
  },
};
