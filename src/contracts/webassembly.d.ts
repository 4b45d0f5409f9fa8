/**
 * The part of the WebAssembly JavaScript API the contract engine uses. Node 20 has it all, but
 * @types/node 20 does not declare it and the DOM library would bring the browser with it.
 */
declare namespace WebAssembly {
  type ImportValue = unknown;
  type Imports = Record<string, Record<string, ImportValue>>;
  type Exports = Record<string, unknown>;
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Exports;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
  }
  class Global {
    value: number | bigint;
  }
  class RuntimeError extends Error {}
}
