// The purchase process in BPMN (purchase.bpmn, as a modeler saves it), as a contract: the seller
// completes "evaluate" with its decision, the exclusive gateway routes on `approved`, a parallel
// gateway opens the three tasks and another joins them. Each party completes its own task.

const ROLES = { evaluate: 'seller', 'decrement inventory': 'warehouse', 'credit seller': 'seller', 'deduct from buyer': 'buyer' };

export function request(seller, warehouse, item, price) {
  for (const [what, v] of [['seller', seller], ['warehouse', warehouse]]) {
    if (typeof v !== 'string' || !/^0x[0-9a-f]{40}$/.test(v)) revert(`${what} must be an address (0x and 40 lower-case hex digits)`);
  }
  return process.start('purchase process', { buyer: ctx.sender, seller, warehouse, item: String(item), price: String(price) });
}

// Completes a user task by its name, as the party whose task it is.
function complete(id, task, data) {
  const role = ROLES[task];
  if (process.state(id).vars[role] !== ctx.sender) revert(`only the ${role} may complete "${task}"`);
  return process.signal(id, task, data);
}

export function evaluate(id, approved) {
  if (typeof approved !== 'boolean') revert('approved is true or false');
  return complete(id, 'evaluate', { approved });
}
export function decrementInventory(id) { return complete(id, 'decrement inventory', {}); }
export function creditSeller(id) { return complete(id, 'credit seller', {}); }
export function deductFromBuyer(id) { return complete(id, 'deduct from buyer', {}); }

export function state(id) { return process.state(id); }
export function history(id, from) { return process.history(id, from ?? 0); }
