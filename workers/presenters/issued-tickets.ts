/**
 * A confirmed order as pay answers it (the shape of presentConfirmedOrder in
 * workers/use-cases/pay-order.ts), built from the tickets the request just issued and committed
 * instead of reading them back.
 */
import { qrSvg, type QrMatrix } from "../tickets/qr";

/**
 * The answer of presentConfirmedOrder, for tickets just issued and committed by this request, in
 * ticketsOfOrder's order: `order` is their ids as the confirming statement listed them (seat label in
 * the database's collation, one issued_at per statement, then the id).
 * `qr`: each ticket's QR symbol, built once by finalize (its mask also goes into the mail's message).
 */
export function presentIssuedTickets(orderId: string, orderCode: string | null, unsorted: { id: string; token: string; seatLabel: string | null; qr: QrMatrix }[], order: string[]) {
  const position = new Map(order.map((id, i) => [id, i]));
  const issued = [...unsorted].sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0));
  return {
    order_id: orderId,
    status: "confirmed" as "confirmed",
    order_code: orderCode,
    ticket_ids: issued.map((t) => t.id),
    qr_codes: issued.map((t) => qrSvg(t.qr)),
    tickets: issued.map((t) => ({ ticket_id: t.id, token: t.token, seat: t.seatLabel, status: "valid" as const })),
  };
}
