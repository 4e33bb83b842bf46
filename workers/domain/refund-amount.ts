/**
 * A refund of an amount of money rather than of tickets: the organizer gives back part or all of
 * what is left of a payment (the rest after a policy refund, a goodwill gesture). The rule: more than
 * zero, and never more than was paid minus what was already refunded or is on its way.
 */
export type AmountRefundCheck = { ok: true } | { ok: false; message: string; refundable: number };

export function checkAmountRefund(amount: number, paid: number, refunded: number): AmountRefundCheck {
  const refundable = Math.max(0, paid - refunded);
  if (refundable === 0) return { ok: false, message: "Everything paid for this order has already been refunded.", refundable };
  if (amount > refundable) return { ok: false, message: `At most ${refundable} (in minor units) of this payment is left to refund.`, refundable };
  return { ok: true };
}
