/** Signs a transaction body with a key pair: the one way clients make transactions. */
import { encodeTx, txHash, txSignBytes, type TxBody } from '../codec/tx.js';
import { sign, type KeyPair } from './ed25519.js';

export interface SignedTxBytes {
  bytes: Uint8Array;
  hash: Uint8Array;
}

export function signTx(body: TxBody, key: KeyPair): SignedTxBytes {
  const bytes = encodeTx({ body, publicKey: key.publicKey, signature: sign(key.privateKey, txSignBytes(body)) });
  return { bytes, hash: txHash(bytes) };
}
