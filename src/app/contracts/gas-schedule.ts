/**
 * Gas for contract work beyond what the sandbox counts itself (spec/contracts.md, "Gas").
 * Protocol constants: changing one changes every node's results, so it is a new version.
 */
export const CONTRACT_GAS = {
  /**
   * Each call, nested ones included: the host's side of it (the contract's record and code
   * looked up, arguments and result carried, the receipt, the engine's memory reset). The
   * engine's side — compiling the module, running it, and for a nested call its fresh runtime —
   * is counted in instructions by the sandbox.
   */
  call: 10_000,
  deploy: 500_000,
  /** Per byte of the bundle kept in state. */
  deployByte: 50,
  read: 500,
  /** Per byte of table name and key, and of the value read (charged before it is decoded). */
  readByte: 1,
  write: 5_000,
  /** Per byte of table name, key and value written: storage is paid once, kept for ever. */
  writeByte: 50,
  delete: 1_000,
  range: 1_000,
  /** Per row a range reads, charged before the row is decoded, on top of its key and value bytes. */
  rangeRow: 128,
  /** Per deleted key a range steps over (deleted earlier in the block or the transaction). */
  rangeSkip: 100,
  rangeByte: 2,
  event: 1_000,
  eventByte: 20,
  /** Per byte a receipt keeps of a call: its result, or the error text of a failed call (as an event's data). */
  receiptByte: 20,
  transfer: 10_000,
  callByte: 2,
  /** The rules engine (spec/rules.md, "Gas"): opening a session, per byte of its rule file (compiled once per process, charged every time). */
  rulesOpen: 20_000,
  rulesOpenByte: 10,
  /** Compiling a rule file at deploy, per byte. */
  rulesCompileByte: 10,
  /**
   * Per expression part a rule file compiles to, variants counted (an `or` multiplies a rule's
   * work, not its bytes): at deploy, and at each session opened (the same warm and cold).
   * About 3-8 µs a part measured here (`npm run bench -- process-hostile`).
   */
  rulesCompilePart: 1_250,
  /** Inserting or modifying a fact, and per byte of its type and fields; retracting one. */
  rulesInsert: 1_000,
  rulesInsertByte: 5,
  rulesRetract: 1_000,
  /**
   * The engine's units of work: a test of one fact and a test of a fact against a partial
   * match (each times its size: the parts of its expression beyond a plain comparison), a
   * partial match made, a fact folded into an accumulate, a firing, an action (and per byte of
   * the values it makes, at rulesInsertByte).
   */
  rulesAlphaTest: 40,
  rulesJoinTest: 60,
  rulesToken: 400,
  rulesFold: 60,
  rulesFire: 2_000,
  rulesAction: 700,
  /** Reading facts back (get, query, saving), per byte of the answer. */
  rulesRead: 500,
  rulesReadByte: 2,
  /**
   * Processes (spec/processes.md, "Gas"): loading the bundle's definitions (a call's first
   * process operation, a timer's firing), and compiling them, per byte of the files' XML and,
   * dearer, of their guards (compiled by the rules engine) — charged before the work and the
   * same whether this node had them compiled already, and at deploy too; starting an instance
   * and signalling one, per byte of their variables; each step a token takes; writing the
   * instance and each step (per byte, as a table write); reading them back (per byte); a
   * deposit (a transfer). The per-byte prices cover the slowest files measured
   * (test/process/attack-cold-compile.test.ts): about 0.25 µs a byte of XML, 1.1 µs a byte of guards.
   */
  processOpen: 10_000,
  processXmlByte: 40,
  processGuardByte: 300,
  processStart: 20_000,
  processSignal: 10_000,
  processArgByte: 5,
  processStep: 2_000,
  processRead: 500,
  /** files.exists and files.size (spec/files.md): one record read, and per byte of the CID text. */
  filesRead: 500,
} as const;

/** What a host call costs for `bytes` (UTF-8) of its input and output (the sandbox's hostGas callback). */
export function hostCallGas(what: string, bytes: number): number {
  const g = CONTRACT_GAS;
  switch (what) {
    case 'db.get':
      return g.read + g.readByte * bytes;
    case 'db.getValue':
      return g.readByte * bytes;
    case 'db.put':
      return g.write + g.writeByte * bytes;
    case 'db.del':
      return g.delete + g.readByte * bytes;
    case 'db.range':
      return g.range + g.readByte * bytes;
    case 'db.rangeRow':
      return g.rangeRow + g.rangeByte * bytes;
    case 'db.rangeSkip':
      return g.rangeSkip;
    case 'emit':
      return g.event + g.eventByte * bytes;
    case 'transfer':
      return g.transfer;
    case 'call':
      return g.call + g.callByte * bytes;
    case 'rules.open':
      return g.rulesOpen + g.rulesOpenByte * bytes;
    case 'rules.compile':
      return g.rulesCompilePart * bytes;
    case 'rules.insert':
      return g.rulesInsert + g.rulesInsertByte * bytes;
    case 'rules.retract':
      return g.rulesRetract;
    case 'rules.alphaTest':
      return g.rulesAlphaTest * Math.max(1, bytes);
    case 'rules.joinTest':
      return g.rulesJoinTest * Math.max(1, bytes);
    case 'rules.valueBytes':
      return g.rulesInsertByte * bytes;
    case 'rules.token':
      return g.rulesToken;
    case 'rules.fold':
      return g.rulesFold;
    case 'rules.fire':
      return g.rulesFire;
    case 'rules.action':
      return g.rulesAction;
    case 'rules.read':
      return g.rulesRead + g.rulesReadByte * bytes;
    case 'process.open':
      return g.processOpen;
    case 'process.xml':
      return g.processXmlByte * bytes;
    case 'process.guards':
      return g.processGuardByte * bytes;
    case 'process.start':
      return g.processStart + g.processArgByte * bytes;
    case 'process.signal':
      return g.processSignal + g.processArgByte * bytes;
    case 'process.step':
      return g.processStep;
    case 'process.write':
      return g.write + g.writeByte * bytes;
    case 'process.read':
      return g.processRead + g.readByte * bytes;
    case 'process.deposit':
      return g.transfer;
    case 'files.size':
      return g.filesRead + g.readByte * bytes;
    default:
      return g.call;
  }
}
