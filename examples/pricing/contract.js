// Prices a loan with the business rules in pricing.drl (spec/rules.md): the contract hands a
// fact in, the rules engine fires, the contract reads the result out.

/** The price for a FICO score and a listed price (integers, or { $decimal: "99.5" }); null when no rule applies. */
export function price(ficoScore, listedPrice) {
  const session = rules.session('pricing.drl');
  const m = session.insert('Message', { status: 'GET_PRICE', fico_score: ficoScore, listed_price: listedPrice });
  session.fire();
  return session.get(m).price ?? null;
}

/** Prices and keeps the quote, so later calls can read it back. */
export function quote(id, ficoScore, listedPrice) {
  const result = price(ficoScore, listedPrice);
  db.put('quotes', String(id), { fico_score: ficoScore, listed_price: listedPrice, price: result });
  emit('quoted', { id, price: result });
  return result;
}

export function getQuote(id) {
  return db.get('quotes', String(id)) ?? null;
}
