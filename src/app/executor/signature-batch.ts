/**
 * Signature jobs packed into one transferable buffer, so a batch crosses to a worker in one
 * message: per job publicKey(32) | signature(64) | messageLength(u32 BE) | message.
 */
export interface SignatureJob {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

export function packJobs(jobs: readonly SignatureJob[]): ArrayBuffer {
  const size = jobs.reduce((s, j) => s + 100 + j.message.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const j of jobs) {
    out.set(j.publicKey, at);
    out.set(j.signature, at + 32);
    view.setUint32(at + 96, j.message.length);
    out.set(j.message, at + 100);
    at += 100 + j.message.length;
  }
  return out.buffer;
}

export function unpackJobs(buffer: ArrayBuffer): SignatureJob[] {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const jobs: SignatureJob[] = [];
  let at = 0;
  while (at < bytes.length) {
    const length = view.getUint32(at + 96);
    jobs.push({
      publicKey: bytes.subarray(at, at + 32),
      signature: bytes.subarray(at + 32, at + 96),
      message: bytes.subarray(at + 100, at + 100 + length),
    });
    at += 100 + length;
  }
  return jobs;
}
