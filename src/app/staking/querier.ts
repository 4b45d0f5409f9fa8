/**
 * The staking module's queries (spec/queries.md): views of candidates, delegations, the
 * validator set, rewards, unbonding and the parameters, answered as UTF-8 JSON in the RPC's
 * shapes. Address paths take the 20-byte address as data.
 */
import { formatAddress } from '../../crypto/address.js';
import { pubKeyJson, unbondingEntryJson } from '../query/json.js';
import { addressData, noData, QueryCode, QueryError, type ModuleQuerier } from '../query/router.js';
import { backups, candidateInfo, candidateInfos, delegationsOf, rewardsOf, stakingParams, unbondingOf, validators, type CandidateInfo, type ValidatorInfo } from './queries.js';

export const stakingQuerier: ModuleQuerier = {
  prefix: '/staking',
  routes: {
    '/staking/candidates': {
      answer: (data, { state }) => {
        noData('/staking/candidates', data);
        const all = candidateInfos(state);
        return { json: { total: String(all.length), candidates: all.map(candidateJson) } };
      },
    },
    '/staking/candidate': {
      answer: (data, { state }) => {
        const owner = addressData('/staking/candidate', data);
        const found = candidateInfo(state, owner);
        if (!found) throw new QueryError(QueryCode.NOT_FOUND, `${formatAddress(owner)} is not a candidate`);
        return { json: candidateJson(found) };
      },
    },
    '/staking/delegations': {
      answer: (data, { state }) => {
        const delegator = addressData('/staking/delegations', data);
        return {
          json: {
            delegator: formatAddress(delegator),
            delegations: delegationsOf(state, delegator).map((d) => ({
              candidate: formatAddress(d.candidate),
              stake: d.stake.toString(),
              shares: d.shares.toString(),
              rewards: d.rewards.toString(),
              unbonding: d.unbonding.map(unbondingEntryJson),
            })),
          },
        };
      },
    },
    /** The set the application last reported, with owners and signing records, and the backups. */
    '/staking/validators': {
      answer: (data, { state, height }) => {
        noData('/staking/validators', data);
        return { json: { height: String(height), validators: validators(state).map(validatorJson), backups: backups(state).map(candidateJson) } };
      },
    },
    '/staking/rewards': {
      answer: (data, { state }) => {
        const address = addressData('/staking/rewards', data);
        const r = rewardsOf(state, address);
        return {
          json: {
            address: formatAddress(address),
            rewards: r.entries.map((e) => ({ candidate: formatAddress(e.candidate), rewards: e.rewards.toString(), commission: e.commission.toString() })),
            total: r.total.toString(),
          },
        };
      },
    },
    '/staking/unbonding': {
      answer: (data, { state, height }) => {
        const delegator = addressData('/staking/unbonding', data);
        const u = unbondingOf(state, delegator, height);
        return {
          json: {
            delegator: formatAddress(delegator),
            unbonding: u.unbonding.flatMap((group) => group.entries.map((e) => ({ candidate: formatAddress(group.candidate), ...unbondingEntryJson(e) }))),
            redelegations: u.redelegations.flatMap((group) =>
              group.entries.map((e) => ({ from: formatAddress(group.from), to: formatAddress(e.to), amount: e.amount.toString(), created_at: String(e.createdAt), completes_at: String(e.completesAt) })),
            ),
            total_unbonding: u.totalUnbonding.toString(),
          },
        };
      },
    },
    /** By their genesis names (app_state.staking.params), amounts as decimal strings. */
    '/staking/params': {
      answer: (data, { state }) => {
        noData('/staking/params', data);
        return { json: Object.fromEntries(Object.entries(stakingParams(state)).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v])) };
      },
    },
  },
};

function candidateJson(info: CandidateInfo): Record<string, unknown> {
  const c = info.candidate;
  return {
    owner: formatAddress(c.owner),
    consensus_key: pubKeyJson(c.consensusKey),
    consensus_address: formatAddress(info.consensusAddress),
    total_stake: c.totalStake.toString(),
    self_stake: info.selfStake.toString(),
    total_shares: c.totalShares.toString(),
    self_shares: c.selfShares.toString(),
    max_stake: c.maxStake.toString(),
    commission_bps: c.commissionBps,
    commission_changed_at: String(c.commissionChangedAt),
    /** active | withdrawn | jailed (see jailed_until) | tombstoned */
    status: info.status,
    jailed_until: String(c.jailedUntil),
    tombstoned: c.tombstoned,
    /** validator | backup | none, in the set chosen at the last election */
    role: info.role,
    voting_power: String(info.power),
    delegators: info.delegators,
    unpaid_commission: c.commission.toString(),
    name: c.name,
    website: c.website,
    description: c.description,
    created_at: String(c.createdAt),
  };
}

function validatorJson(v: ValidatorInfo): Record<string, unknown> {
  const c = v.candidate;
  return {
    address: formatAddress(v.consensusAddress),
    pub_key: pubKeyJson(v.consensusKey),
    voting_power: String(v.power),
    owner: v.owner ? formatAddress(v.owner) : null,
    name: c ? c.candidate.name : '',
    status: c ? c.status : null,
    total_stake: c ? c.candidate.totalStake.toString() : null,
    self_stake: c ? c.selfStake.toString() : null,
    commission_bps: c ? c.candidate.commissionBps : null,
    signing_info: v.signing
      ? {
          start_height: String(v.signing.startHeight),
          index_offset: String(v.signing.indexOffset),
          missed_blocks: String(v.signing.missed),
          window: String(v.signing.window),
        }
      : null,
  };
}
