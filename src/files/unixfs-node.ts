/** A dag-pb block read as a UnixFS node: the fetch's checks and the gateway's reader both need it. */
import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';

/** The node and its UnixFS data; throws an Error saying why the block is not one. */
export function decodeUnixfsNode(block: Uint8Array): { node: dagPb.PBNode; unixfs: UnixFS } {
  const node = dagPb.decode(block);
  if (!node.Data) throw new Error('no UnixFS data');
  return { node, unixfs: UnixFS.unmarshal(node.Data) };
}
