// An order paid into escrow, released to the seller only once the courier's "delivered"
// webhook was attested by a quorum of validators (hooks.json): no single node, and not the
// seller, can say the parcel arrived. The webhook signals the process itself; its data lands
// in the instance's variables under the hook's name (vars.delivery), never over the order's own.

export function order(seller, item) {
  if (typeof seller !== 'string' || !/^0x[0-9a-f]{40}$/.test(seller)) revert('seller must be an address (0x and 40 lower-case hex digits)');
  if (ctx.value <= 0n) revert('pay the price with the order (--value)');
  const id = process.start('delivery', { buyer: ctx.sender, seller, item: String(item), price: ctx.value.toString() });
  emit('ordered', { id, buyer: ctx.sender, seller, item: String(item), price: ctx.value.toString() });
  return id;
}

function waitingAt(id) {
  return process.state(id).tokens.map((t) => t.name);
}

// The seller is paid once the delivery is attested.
export function collect(id) {
  const { vars } = process.state(id);
  if (vars.seller !== ctx.sender) revert(`only the seller (${vars.seller}) collects`);
  if (!waitingAt(id).includes('delivered')) revert(`order ${id} is not delivered (it waits at: ${waitingAt(id).join(', ') || 'nothing'})`);
  process.signal(id, 'paid', {});
  transfer(vars.seller, BigInt(vars.price));
  emit('paid', { id, seller: vars.seller, price: vars.price, courier: vars.delivery.courier });
  return vars.price;
}

// The buyer may cancel, and is refunded, while the parcel is still in transit.
export function cancel(id) {
  const { vars } = process.state(id);
  if (vars.buyer !== ctx.sender) revert(`only the buyer (${vars.buyer}) cancels`);
  if (!waitingAt(id).includes('in transit')) revert(`order ${id} can no longer be cancelled`);
  process.signal(id, 'cancel', {});
  transfer(vars.buyer, BigInt(vars.price));
  return 'cancelled';
}

// A receipt webhook calling a method: ctx.hook says a quorum of attesters delivered it.
export function receipt(event) {
  if (!ctx.hook) revert('only the receipt webhook records receipts');
  db.put('receipts', event.id, { order: String(event.order ?? ''), note: String(event.note ?? '').slice(0, 200), attesters: ctx.hook.attesters.length, height: ctx.block.height });
  emit('receipt', { id: event.id, attesters: ctx.hook.attesters });
}

export function state(id) { return process.state(id); }
export function receiptOf(id) { return db.get('receipts', id); }
