/**
 * The files module's queries (spec/queries.md, spec/files.md): one registered file's record by
 * CID, and a page of the registration index (what a node's pinner walks). Both read a bounded
 * number of keys, so neither is gated.
 */
import { formatAddress } from '../../crypto/address.js';
import { field, jsonData, QueryCode, QueryError, type ModuleQuerier } from '../query/router.js';
import type { StateReader } from '../../state/overlay.js';
import { formatCid, parseCid } from './cid.js';
import { fileAt, fileCount, readFile } from './layout.js';

export const MAX_FILES_PAGE = 1_000;

const bad = (path: string, message: string): QueryError => new QueryError(QueryCode.BAD_REQUEST, `${path}: ${message}`);

/** The JSON view of a file's record (the RPC's `file_info` answer). */
export function fileView(state: StateReader, cid: Uint8Array): Record<string, string> | undefined {
  const record = readFile(state, cid);
  if (!record) return undefined;
  return {
    cid: formatCid(cid),
    size: String(record.size),
    owner: formatAddress(record.owner),
    height: String(record.height),
    name: record.name,
    index: String(record.index),
  };
}

function whole(path: string, request: Record<string, unknown>, name: string, fallback: number, max: number): number {
  const raw = field(request, name);
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw bad(path, `${name} must be a whole number from 0 to ${max}`);
  return n;
}

export const filesQuerier: ModuleQuerier = {
  prefix: '/files',
  routes: {
    /** data: {"cid": "bafy…"}; value: {cid, size, owner, height, name, index}. */
    '/files/info': {
      answer: (data, { state }) => {
        const request = jsonData('/files/info', data);
        const text = field(request, 'cid');
        if (typeof text !== 'string') throw bad('/files/info', 'cid is required (a CIDv1 in base32, "b…")');
        const cid = parseCid(text);
        if (!cid) throw bad('/files/info', `"${text.slice(0, 80)}" is not a CIDv1 (raw or dag-pb, sha2-256) in base32`);
        const view = fileView(state, cid);
        if (!view) throw new QueryError(QueryCode.NOT_FOUND, `${text} is not registered`);
        return { json: view };
      },
    },
    /** data: {"from": n, "limit": m}; value: {total, files: [cid, …]} from index `from`, at most `limit` (≤ 1,000). */
    '/files/list': {
      answer: (data, { state }) => {
        const request = jsonData('/files/list', data);
        const from = whole('/files/list', request, 'from', 0, Number.MAX_SAFE_INTEGER);
        const limit = Math.max(1, whole('/files/list', request, 'limit', 100, MAX_FILES_PAGE));
        const total = fileCount(state);
        const files: string[] = [];
        for (let n = from; n < total && files.length < limit; n++) {
          const cid = fileAt(state, n);
          if (cid) files.push(formatCid(cid));
        }
        return { json: { total: String(total), files } };
      },
    },
  },
};
