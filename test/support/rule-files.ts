/** Rule files the rules tests share: the design's pricing rule, alone and with an event. */
export const PRICING = `rule "Pricing"
  when
    m : Message(status == GET_PRICE, fico_score > 740)
  then
    modify(m) { price = m.listed_price * 0.8 }
end
`;

/** The pricing rule that also emits the price it set. */
export const PRICING_WITH_EVENT = `rule "Pricing"
  when
    m : Message(status == GET_PRICE, fico_score > 740)
  then
    modify(m) { price = m.listed_price * 0.8 }
    emit("priced", m.listed_price * 0.8)
end
`;
