/** Piscina task: verify a packed batch of signatures with the protocol verifier. */
import { verify } from '../../crypto/ed25519.js';
import { unpackJobs } from './signature-batch.js';

export default function verifyBatch(packed: ArrayBuffer): Uint8Array {
  const jobs = unpackJobs(packed);
  const out = new Uint8Array(jobs.length);
  jobs.forEach((j, i) => {
    out[i] = verify(j.publicKey, j.message, j.signature) ? 1 : 0;
  });
  return out;
}
