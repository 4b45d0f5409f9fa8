/**
 * The prelude: a script run in every contract context before the contract's module. Its value is
 * a function the sandbox calls once with its one native, `host(op, ...strings)`, and that
 * installs the host API (spec/contracts.md) and answers the sandbox's bridge, [begin, invoke,
 * exportNames, describe]:
 *
 * - begin(ctxJson): sets the global `ctx` for the call (before the module is evaluated);
 * - invoke(exports, method, argsJson): runs the method with the decoded arguments and answers
 *   'R' + the result's JSON, or a code: 'N' no such method, 'J' arguments that are not JSON,
 *   'A' arguments that are not an array, 'X' a result that cannot be encoded; what the method
 *   throws is thrown on;
 * - exportNames(exports): the sorted names of a module's callable exports, as a JSON array
 *   (names starting with "__" are the host's);
 * - describe(thrown): the text of a failure, `Name: message` for an error and `thrown: ` + its
 *   JSON otherwise — made here, on the call's fuel and frame budget, so that a deep or strange
 *   thrown value never makes the host recurse.
 *
 * The host API (db, emit, revert, transfer, call, rules, process, files) is JavaScript here: it checks and converts
 * its arguments to strings (JSON text with BigInt tagged {"$bigint": "..."}) in the VM, paid for
 * in fuel, and makes one native call per operation. A refusal goes through the native too
 * (`abort`), so the host records it and the call fails with it whatever the contract catches.
 * Everything is built from originals captured before any contract code runs; `host` stays in
 * this closure. It also deletes Math.random.
 */
export const PRELUDE = `(host) => {
'use strict';
const O = Object, A = Reflect.apply, G = globalThis, J = JSON, jp = J.parse, js = J.stringify, ks = O.keys, B = BigInt,
  bs = B.prototype.toString, AP = Array.prototype, filter = AP.filter, sort = AP.sort, isArray = Array.isArray,
  starts = String.prototype.startsWith, S = String, isInt = Number.isSafeInteger;
delete Math.random;
const tag = (k, v) => (typeof v === 'bigint' ? { $bigint: A(bs, v, []) } : v);
const untag = (k, v) => {
  if (v !== null && typeof v === 'object') {
    const b = v.$bigint;
    if (typeof b === 'string' && ks(v).length === 1) return B(b);
  }
  return v;
};
const encode = (v) => {
  const x = js(v === undefined ? null : v, tag);
  return x === undefined ? 'null' : x;
};
const decode = (s) => jp(s, untag);
const abort = (message) => host('abort', message);
const text = (v, what) => (typeof v === 'string' ? v : abort(what + ' must be a string'));
const stored = (v) => {
  let s;
  try { s = encode(v); } catch { return abort('the value cannot be stored as JSON'); }
  return s;
};
G.db = {
  get(table, key) {
    const found = host('get', text(table, 'table'), text(key, 'key'));
    return found === undefined ? undefined : decode(found);
  },
  put(table, key, value) { host('put', text(table, 'table'), text(key, 'key'), stored(value)); },
  del(table, key) { host('del', text(table, 'table'), text(key, 'key')); },
  range(table, prefix, limit) {
    const t = text(table, 'table');
    const p = prefix === undefined ? '' : text(prefix, 'prefix');
    return decode(host('range', t, p, limit === undefined ? '100' : typeof limit === 'number' ? S(limit) : 'NaN'));
  },
};
const DB = G.db;
G.emit = (name, data) => { host('emit', text(name, 'event name'), stored(data)); };
G.revert = (message) => host('revert', typeof message === 'string' ? 'y' : 'n', typeof message === 'string' ? message : '');
G.transfer = (to, amount) => {
  const recipient = text(to, 'transfer recipient');
  if (typeof amount !== 'bigint') abort('transfer amount must be a BigInt (for example 10n)');
  host('transfer', recipient, A(bs, amount, []));
};
G.call = (address, method, args) => {
  const a = text(address, 'call address'), m = text(method, 'method name');
  return decode(host('call', a, m, args === undefined ? '[]' : stored(args)));
};
const factId = (id) => (typeof id === 'number' && isInt(id) && id > 0 ? S(id) : abort('a fact id is a positive integer'));
const openRules = (file) => {
  const h = host('rules.open', text(file, 'rule file'));
  return {
    insert(type, fields) { return +host('rules.insert', h, text(type, 'fact type'), stored(fields)); },
    modify(id, fields) { host('rules.modify', h, factId(id), stored(fields)); },
    retract(id) { host('rules.retract', h, factId(id)); },
    fire(limit) { return +host('rules.fire', h, limit === undefined ? '' : typeof limit === 'number' ? S(limit) : 'NaN'); },
    get(id) { const f = host('rules.get', h, factId(id)); return f === undefined ? undefined : decode(f); },
    query(type) { return decode(host('rules.query', h, text(type, 'fact type'))); },
    save(table, key) { DB.put(table, key, decode(host('rules.facts', h))); },
    restore(saved) { host('rules.restore', h, stored(saved)); },
  };
};
G.rules = {
  session: openRules,
  resume(file, table, key) {
    const s = openRules(file);
    const saved = DB.get(table, key);
    if (saved !== undefined) s.restore(saved);
    return s;
  },
};
const instanceId = (id) => (typeof id === 'string' ? id : typeof id === 'number' && isInt(id) ? S(id) : abort('an instance id is a string of digits'));
G.process = {
  start(name, vars) { return host('process.start', text(name, 'process name'), vars === undefined ? '{}' : stored(vars)); },
  signal(id, target, data) { return decode(host('process.signal', instanceId(id), text(target, 'transition'), data === undefined ? '{}' : stored(data))); },
  state(id) { return decode(host('process.state', instanceId(id))); },
  history(id, from, limit) {
    const n = (v, what) => (v === undefined ? '' : typeof v === 'number' && isInt(v) ? S(v) : abort(what + ' must be a whole number'));
    return decode(host('process.history', instanceId(id), n(from, 'from'), n(limit, 'limit')));
  },
  deposit(id, amount) {
    if (typeof amount !== 'bigint') abort('a deposit must be a BigInt (for example 10n)');
    return decode(host('process.deposit', instanceId(id), A(bs, amount, [])));
  },
};
G.files = {
  exists(cid) { return host('files.size', text(cid, 'cid')) !== undefined; },
  size(cid) { const s = host('files.size', text(cid, 'cid')); return s === undefined ? undefined : B(s); },
};
return [
  (ctxJson) => { G.ctx = decode(ctxJson); },
  (m, method, argsJson) => {
    const fn = m[method];
    if (typeof fn !== 'function' || A(starts, method, ['__'])) return 'N';
    let args;
    try { args = decode(argsJson); } catch { return 'J'; }
    if (!isArray(args)) return 'A';
    const result = A(fn, undefined, args);
    let out;
    try { out = encode(result); } catch { return 'X'; }
    return 'R' + out;
  },
  (m) => js(A(sort, A(filter, ks(m), [(k) => typeof m[k] === 'function' && !A(starts, k, ['__'])]), [])),
  (e) => {
    try {
      if (e !== null && typeof e === 'object' && 'message' in e) {
        const n = e.name;
        return (typeof n === 'string' ? n : 'Error') + ': ' + S(e.message);
      }
      const x = js(e, tag);
      return 'thrown: ' + (x === undefined ? S(e) : x);
    } catch {
      return 'thrown: a value that cannot be shown';
    }
  },
];
}`;
