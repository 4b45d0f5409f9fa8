// A token ledger in the style of ERC-20: a fixed supply minted to the deployer, transfers,
// allowances and transfers on behalf of an owner. Amounts are BigInt base units of the token
// (no decimals are implied); addresses are 0x and 40 hex digits, stored in lower case.
// See README.md in this bundle for the methods and events.

const META = 'meta';
const BALANCES = 'balances';
const ALLOWANCES = 'allowances';
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HEX_PREFIX = /^(0(x[0-9a-f]{0,40})?)?$/;
const ZERO = '0x0000000000000000000000000000000000000000';
const MAX_LIST = 1000;

function address(value, what) {
  if (typeof value !== 'string' || !ADDRESS.test(value)) revert(`${what} must be an address: 0x followed by 40 hex digits`);
  return value.toLowerCase();
}

function positive(value, what) {
  if (typeof value !== 'bigint') revert(`${what} must be a BigInt (for example "10n" in --args)`);
  if (value <= 0n) revert(`${what} must be positive`);
  return value;
}

function text(value, what, max) {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) revert(`${what} must be a text of 1 to ${max} characters`);
  return value;
}

// The token holds no CMT: anything sent with a call would be stuck in the contract.
function noValue() {
  if (ctx.value !== 0n) revert(`the token does not accept CMT (sent ${ctx.value})`);
}

function meta() {
  const m = db.get(META, 'info');
  if (m === undefined) revert('the token is not initialised');
  return m;
}

function balance(owner) {
  return db.get(BALANCES, owner) ?? 0n;
}

// A zero balance is no row at all, so holders() lists only addresses holding tokens.
function setBalance(owner, amount) {
  if (amount === 0n) db.del(BALANCES, owner);
  else db.put(BALANCES, owner, amount);
}

function allowanceKey(owner, spender) {
  return `${owner}:${spender}`;
}

function allowed(owner, spender) {
  return db.get(ALLOWANCES, allowanceKey(owner, spender)) ?? 0n;
}

function setAllowance(owner, spender, amount) {
  if (amount === 0n) db.del(ALLOWANCES, allowanceKey(owner, spender));
  else db.put(ALLOWANCES, allowanceKey(owner, spender), amount);
}

function move(from, to, amount) {
  const have = balance(from);
  if (have < amount) revert(`insufficient balance: ${from} has ${have}, needs ${amount}`);
  if (from !== to) {
    setBalance(from, have - amount);
    setBalance(to, balance(to) + amount);
  }
}

/** Deploy: `supply` tokens (a positive BigInt) to the deployer. */
export function init(name, symbol, supply) {
  noValue();
  const info = { name: text(name, 'the name', 64), symbol: text(symbol, 'the symbol', 16), totalSupply: positive(supply, 'the supply') };
  db.put(META, 'info', info);
  setBalance(ctx.sender, info.totalSupply);
  emit('Transfer', { from: ZERO, to: ctx.sender, amount: info.totalSupply });
}

/** Moves `amount` of the caller's tokens to `to`. */
export function transfer(to, amount) {
  noValue();
  meta();
  const recipient = address(to, 'the recipient');
  const value = positive(amount, 'the amount');
  move(ctx.sender, recipient, value);
  emit('Transfer', { from: ctx.sender, to: recipient, amount: value });
  return true;
}

/** Lets `spender` move up to `amount` of the caller's tokens; 0n withdraws the allowance. */
export function approve(spender, amount) {
  noValue();
  meta();
  const who = address(spender, 'the spender');
  if (typeof amount !== 'bigint' || amount < 0n) revert('the allowance must be a BigInt of 0 or more (for example "10n" in --args)');
  if (who === ctx.sender) revert('an owner cannot approve itself');
  setAllowance(ctx.sender, who, amount);
  emit('Approval', { owner: ctx.sender, spender: who, amount });
  return true;
}

/** The caller moves `amount` of `from`'s tokens to `to`, within the allowance `from` gave it. */
export function transferFrom(from, to, amount) {
  noValue();
  meta();
  const owner = address(from, 'the owner');
  const recipient = address(to, 'the recipient');
  const value = positive(amount, 'the amount');
  const spender = ctx.sender;
  if (spender !== owner) {
    const left = allowed(owner, spender);
    if (left < value) revert(`insufficient allowance: ${spender} may move ${left} of ${owner}'s tokens, not ${value}`);
    setAllowance(owner, spender, left - value);
  }
  move(owner, recipient, value);
  emit('Transfer', { from: owner, to: recipient, amount: value, spender });
  return true;
}

/** Read-only: the tokens `addr` holds. */
export function balanceOf(addr) {
  noValue();
  return balance(address(addr, 'the address'));
}

/** Read-only: what `spender` may still move of `owner`'s tokens. */
export function allowance(owner, spender) {
  noValue();
  return allowed(address(owner, 'the owner'), address(spender, 'the spender'));
}

/** Read-only: the fixed supply. */
export function totalSupply() {
  noValue();
  return meta().totalSupply;
}

/** Read-only: name, symbol and supply. */
export function info() {
  noValue();
  return meta();
}

/**
 * Read-only: up to `limit` (default 100, at most 1000) holders whose address starts with
 * `prefix` ("" or "0x" for all), in address order, as [[address, balance], ...].
 */
export function holders(prefix = '', limit = 100) {
  noValue();
  if (typeof limit === 'bigint' && limit >= 1n && limit <= BigInt(MAX_LIST)) limit = Number(limit);
  if (typeof prefix !== 'string' || !HEX_PREFIX.test(prefix.toLowerCase())) revert('the prefix must be the start of an address ("", "0x", "0xab", ...)');
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST) revert(`the limit must be a whole number from 1 to ${MAX_LIST}`);
  return db.range(BALANCES, prefix.toLowerCase(), limit);
}
