/** What the files service reads of the chain: the registered files (spec/files.md, "State"). */
export interface FileRegistry {
  /** The registered size of the file with this CID (base32 text), or undefined. */
  size(cid: string): number | undefined;
  /** Registrations so far (the index's length). */
  count(): number;
  /** The CIDs at index positions [from, from + limit), in order. */
  list(from: number, limit: number): string[];
}
