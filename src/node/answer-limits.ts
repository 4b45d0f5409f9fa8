/** Sizes the consensus reactors share when they bound what a peer's answer may weigh. */

/** Room in an answer for its framing beside the block or messages it carries. */
export const ANSWER_SLACK_BYTES = 64 * 1024;
