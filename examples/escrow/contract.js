// Escrow with an arbiter: the dispute resolution of the CyberMiles white paper (section 5.5).
//
// The buyer (the deployer) locks CMT in the contract for a seller. The buyer releases it to the
// seller once the goods arrive (confirmDelivery), or the seller gives it back (refund). If
// either party disputes the deal, the arbiter named at deploy time splits the funds between
// them (resolve), keeping an optional fee in basis points. Every change of state emits an
// event; every payout moves the contract out of a paying state first, so funds can never be
// paid twice. See README.md in this bundle for the methods and events.

const TABLE = 'escrow';
const KEY = 'state';
const BPS = 10000n;
const MAX_REASON = 280;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

// The states of one escrow. Only FUNDED and DISPUTED hold funds that may be paid out.
const AWAITING_DEPOSIT = 'awaiting_deposit';
const FUNDED = 'funded';
const DISPUTED = 'disputed';
const RELEASED = 'released';
const REFUNDED = 'refunded';
const RESOLVED = 'resolved';

function address(value, what) {
  if (typeof value !== 'string' || !ADDRESS.test(value)) revert(`${what} must be an address: 0x followed by 40 hex digits`);
  return value.toLowerCase();
}

function basisPoints(value) {
  let bps;
  if (typeof value === 'bigint') bps = value;
  else if (typeof value === 'number' && Number.isInteger(value)) bps = BigInt(value);
  else revert('the arbiter fee must be a whole number of basis points (0 to 10000)');
  if (bps < 0n || bps > BPS) revert('the arbiter fee must be between 0 and 10000 basis points');
  return Number(bps);
}

function load() {
  const s = db.get(TABLE, KEY);
  if (s === undefined) revert('the escrow is not initialised');
  return s;
}

function save(s) {
  db.put(TABLE, KEY, s);
}

// Only deposit (and init) take CMT: anything sent with another method would be stuck here.
function noValue(method) {
  if (ctx.value !== 0n) revert(`${method} does not accept CMT (sent ${ctx.value})`);
}

function requireState(s, allowed, action) {
  if (!allowed.includes(s.state)) revert(`cannot ${action}: the escrow is ${s.state}`);
}

function requireSender(who, role, action) {
  if (ctx.sender !== who) revert(`only the ${role} can ${action}`);
}

function pay(to, amount) {
  if (amount > 0n) transfer(to, amount);
}

/** Deploy: the deployer is the buyer; the deploy's value (if any) is the first deposit. */
export function init(seller, arbiter, feeBps = 0) {
  const buyer = ctx.sender;
  const s = {
    buyer,
    seller: address(seller, 'the seller'),
    arbiter: address(arbiter, 'the arbiter'),
    feeBps: basisPoints(feeBps),
    amount: ctx.value,
    state: ctx.value > 0n ? FUNDED : AWAITING_DEPOSIT,
    createdAt: ctx.block.height,
    disputedBy: null,
    reason: null,
    payout: null,
  };
  if (s.seller === buyer) revert('the seller cannot be the buyer (the deployer)');
  if (s.arbiter === buyer || s.arbiter === s.seller) revert('the arbiter must be neither the buyer nor the seller');
  save(s);
  emit('Created', { buyer, seller: s.seller, arbiter: s.arbiter, feeBps: s.feeBps });
  if (ctx.value > 0n) emit('Deposited', { from: buyer, amount: ctx.value, total: s.amount });
}

/** The buyer adds the CMT sent with this call to the escrow (before any dispute or payout). */
export function deposit() {
  const s = load();
  requireSender(s.buyer, 'buyer', 'deposit');
  requireState(s, [AWAITING_DEPOSIT, FUNDED], 'deposit');
  if (ctx.value <= 0n) revert('deposit needs CMT sent with the call (--value)');
  s.amount += ctx.value;
  s.state = FUNDED;
  save(s);
  emit('Deposited', { from: ctx.sender, amount: ctx.value, total: s.amount });
  return s.amount;
}

/** The buyer received the goods: all funds go to the seller. Also ends a dispute in the seller's favour. */
export function confirmDelivery() {
  noValue('confirmDelivery');
  const s = load();
  requireSender(s.buyer, 'buyer', 'confirm delivery');
  requireState(s, [FUNDED, DISPUTED], 'confirm delivery');
  const amount = s.amount;
  s.state = RELEASED;
  s.payout = { seller: amount, buyer: 0n, arbiter: 0n };
  save(s);
  pay(s.seller, amount);
  emit('Released', { to: s.seller, amount });
  return amount;
}

/** The seller gives up: all funds go back to the buyer. Also ends a dispute in the buyer's favour. */
export function refund() {
  noValue('refund');
  const s = load();
  requireSender(s.seller, 'seller', 'refund');
  requireState(s, [FUNDED, DISPUTED], 'refund');
  const amount = s.amount;
  s.state = REFUNDED;
  s.payout = { seller: 0n, buyer: amount, arbiter: 0n };
  save(s);
  pay(s.buyer, amount);
  emit('Refunded', { to: s.buyer, amount });
  return amount;
}

/** The buyer or the seller asks the arbiter to decide. */
export function dispute(reason) {
  noValue('dispute');
  const s = load();
  if (ctx.sender !== s.buyer && ctx.sender !== s.seller) revert('only the buyer or the seller can open a dispute');
  requireState(s, [FUNDED], 'open a dispute');
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > MAX_REASON) revert(`the reason must be a text of 1 to ${MAX_REASON} characters`);
  s.state = DISPUTED;
  s.disputedBy = ctx.sender;
  s.reason = reason;
  save(s);
  emit('Disputed', { by: ctx.sender, reason });
}

/**
 * The arbiter decides a dispute: the arbiter's fee (feeBps of the funds, rounded down) first,
 * `toSellerAmount` to the seller, the rest to the buyer.
 */
export function resolve(toSellerAmount) {
  noValue('resolve');
  const s = load();
  requireSender(s.arbiter, 'arbiter', 'resolve a dispute');
  requireState(s, [DISPUTED], 'resolve');
  if (typeof toSellerAmount !== 'bigint') revert('the amount for the seller must be a BigInt of base units (for example "5000000000000000000n" in --args)');
  const fee = (s.amount * BigInt(s.feeBps)) / BPS;
  const split = s.amount - fee;
  if (toSellerAmount < 0n || toSellerAmount > split) revert(`the amount for the seller must be between 0 and ${split} (the funds after the arbiter fee)`);
  const toBuyer = split - toSellerAmount;
  s.state = RESOLVED;
  s.payout = { seller: toSellerAmount, buyer: toBuyer, arbiter: fee };
  save(s);
  pay(s.arbiter, fee);
  pay(s.seller, toSellerAmount);
  pay(s.buyer, toBuyer);
  emit('Resolved', { toSeller: toSellerAmount, toBuyer, fee });
  return s.payout;
}

/** Read-only: the parties, the fee, the funds, the state, the dispute and the payout. */
export function status() {
  noValue('status');
  return load();
}
