/**
 * V8 flags a node process runs with (spec/performance.md, "Garbage collection"). A node
 * allocates many short-lived objects per transaction (decoded transactions, keys, encodings);
 * with V8's default 16 MiB semi-space the young generation fills every few milliseconds under
 * load, and scavenges took a fifth of the main thread. 64 MiB cut the CPU per committed
 * transfer by about a tenth (`npm run bench -- transfers`), for about 100 MiB more memory.
 */
export const NODE_PROCESS_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
