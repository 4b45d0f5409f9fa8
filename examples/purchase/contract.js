// The purchase process of the Smart Business Contract design (purchase.jpdl.xml), as a
// contract: a buyer requests, the seller approves or not, then the warehouse, the seller and
// the buyer each confirm their own branch, in any order; the last one ends the purchase.
// Every step is kept with its block and transaction: history(id).

const ROLES = { approve: 'seller', disapprove: 'seller', 'decrement inventory': 'warehouse', 'credit seller': 'seller', 'deduct from buyer': 'buyer' };

export function request(seller, warehouse, item, price) {
  for (const [what, v] of [['seller', seller], ['warehouse', warehouse]]) {
    if (typeof v !== 'string' || !/^0x[0-9a-f]{40}$/.test(v)) revert(`${what} must be an address (0x and 40 lower-case hex digits)`);
  }
  const id = process.start('purchase process', { buyer: ctx.sender, seller, warehouse, item: String(item), price: String(price) });
  emit('requested', { id, buyer: ctx.sender, seller, item: String(item) });
  return id;
}

// One step of the purchase, by the party whose step it is.
function step(id, transition) {
  const role = ROLES[transition];
  const { vars } = process.state(id);
  if (vars[role] !== ctx.sender) revert(`only the ${role} (${vars[role]}) may take "${transition}"`);
  const state = process.signal(id, transition, { [`${role} at`]: ctx.block.height });
  emit('step', { id, transition, by: ctx.sender, status: state.status });
  return state;
}

export function approve(id) { return step(id, 'approve'); }
export function disapprove(id) { return step(id, 'disapprove'); }
export function decrementInventory(id) { return step(id, 'decrement inventory'); }
export function creditSeller(id) { return step(id, 'credit seller'); }
export function deductFromBuyer(id) { return step(id, 'deduct from buyer'); }

export function state(id) { return process.state(id); }
export function history(id, from) { return process.history(id, from ?? 0); }
