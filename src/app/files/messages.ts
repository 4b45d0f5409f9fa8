/**
 * The registerFile message (spec/files.md, "Registering a file"): the sender records that the
 * file with this CID has this size and name, and pays its storage. The chain never sees the
 * bytes; it checks what it can (the CID's form, that its codec fits the size under the
 * profile, the size limit, that the CID is new) and every node then fetches and pins the file.
 */
import type { AppEvent } from '../../codec/results.js';
import type { Msg } from '../../codec/tx.js';
import { formatAddress } from '../../crypto/address.js';
import type { Overlay } from '../../state/overlay.js';
import { TxError } from '../errors.js';
import type { GasMeter } from '../gas.js';
import { cidCodec, cidError, CODEC_RAW, formatCid } from './cid.js';
import { MAX_FILE_BYTES, registerFileGas } from './fees.js';
import { COUNT_KEY, encodeFileCount, encodeFileRecord, encodeIndexEntry, fileCount, fileKey, indexKey } from './layout.js';
import { FILE_PROFILE } from './profile.js';

export type FileMsg = Extract<Msg, { type: 'registerFile' }>;

export function isFileMessage(msg: Msg): msg is FileMsg {
  return msg.type === 'registerFile';
}

/** Control characters and '/' would make a name unsafe as a file name or in a listing. */
const BAD_NAME = /[\u0000-\u001f\u007f/\\]/;

export interface FileTxContext {
  sender: Uint8Array;
  height: number;
}

export function executeFileMessage(state: Overlay, msg: FileMsg, tx: FileTxContext, gas: GasMeter): AppEvent[] {
  const invalid = cidError(msg.cid);
  if (invalid) throw new TxError('INVALID_CID', invalid);
  if (msg.size > MAX_FILE_BYTES) throw new TxError('FILE_TOO_LARGE', `the file is ${msg.size} bytes, the limit is ${MAX_FILE_BYTES}`);
  // Under the profile a file of at most one chunk is its raw leaf, and a larger one a dag-pb root:
  // a CID that contradicts its size names no file of that size, so it cannot be fetched and pinned.
  const raw = cidCodec(msg.cid) === CODEC_RAW;
  if (raw !== msg.size <= FILE_PROFILE.chunkBytes) {
    throw new TxError('INVALID_CID', `under the ${FILE_PROFILE.name} profile a file of ${msg.size} bytes has a ${msg.size <= FILE_PROFILE.chunkBytes ? 'raw' : 'dag-pb'} CID`);
  }
  if (BAD_NAME.test(msg.name)) throw new TxError('INVALID_FILE_NAME', 'a file name may not hold control characters, "/" or "\\"');
  const key = fileKey(msg.cid);
  const cid = formatCid(msg.cid);
  // Checked before storage is charged: a duplicate costs one read, which the intrinsic gas covers.
  if (state.get(key) !== undefined) throw new TxError('FILE_ALREADY_REGISTERED', `${cid} is registered already`);
  gas.consume(registerFileGas(msg.size), 'file storage');
  const index = fileCount(state);
  state.set(key, encodeFileRecord({ size: msg.size, owner: tx.sender, height: tx.height, name: msg.name, index }));
  state.set(indexKey(index), encodeIndexEntry(msg.cid));
  state.set(COUNT_KEY, encodeFileCount(index + 1));
  return [
    {
      type: 'file_registered',
      attributes: [
        { key: 'cid', value: cid },
        { key: 'size', value: String(msg.size) },
        { key: 'owner', value: formatAddress(tx.sender) },
      ],
    },
  ];
}
