/**
 * The one UnixFS import profile of this chain (spec/files.md, "Profile"): IPIP-499's
 * "unixfs-v1-2025". Every node and the CLI import with it, so the same bytes always get the
 * same CID, and any IPFS implementation set to this profile computes that CID too.
 */
export const FILE_PROFILE = {
  name: 'unixfs-v1-2025',
  cidVersion: 1,
  /** Leaves are raw blocks (codec 0x55), not dag-pb wrapped. */
  rawLeaves: true,
  /** Fixed-size chunks of 1 MiB. */
  chunkBytes: 1_048_576,
  /** Balanced DAG: at most this many links in one dag-pb node. */
  maxLinks: 1024,
  /** A file of one chunk (or none: the empty file) is its raw leaf, no dag-pb root. */
  singleLeafIsRoot: true,
} as const;
