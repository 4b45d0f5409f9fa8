/** The node's version: its own module, so `cmt --version` loads nothing else. */
export const NODE_VERSION = '0.1.0';
