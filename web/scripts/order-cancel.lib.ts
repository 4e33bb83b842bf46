/**
 * "Cancel this order" for a pending (held, unpaid) order on the order page: asks first, then
 * `POST /orders/{id}/cancel`; its seats are back on sale at once. A payment that is going through
 * cannot be cancelled (PAYMENT_IN_PROGRESS): the page says so and reloads the order.
 */
import { ApiProblem } from "./api.lib";
import { answer, apiClient, orderAuth, type Answer } from "./api-client.lib";
import { askToConfirm } from "./confirm-dialog.lib";
import { h } from "./elements.lib";
import { whileBusy } from "./form-controls.lib";
import { payProblem } from "./order-problems.lib";
import type { OrderView } from "./api-client.lib";

export type CancelledOrder = Answer<(typeof apiClient.orders)[":orderId"]["cancel"]["$post"]>;

function cancelOrder(orderId: string, token: string): Promise<CancelledOrder> {
  return answer(apiClient.orders[":orderId"].cancel.$post({ param: { orderId: encodeURIComponent(orderId) } }, orderAuth(token)));
}

function whatIsHeld(order: OrderView): string {
  if (order.seats.length > 0) return `seat${order.seats.length === 1 ? "" : "s"} ${new Intl.ListFormat("en", { type: "conjunction" }).format(order.seats)}`;
  return `${order.quantity} ticket${order.quantity === 1 ? "" : "s"}`;
}

/**
 * The pending order's notice: finish checkout, or cancel. `done` is called with what the API
 * answered once it is cancelled (or with the order re-read when cancelling was refused).
 */
export function pendingNotice(order: OrderView, token: string, done: (outcome: { cancelled: true } | { problem: string }) => void): HTMLElement {
  const held = whatIsHeld(order);
  const cancel = h("button", { type: "button", id: "cancel-order", className: "secondary" }, "Cancel this order");
  cancel.addEventListener("click", async () => {
    const sure = await askToConfirm({
      title: "Cancel this order?",
      text: `Your hold on ${held} ends now and they go back on sale for anyone to buy. You have not been charged, and nothing will be.`,
      confirm: "Cancel order",
      cancel: "Keep my order",
      danger: true,
    });
    if (!sure) return;
    try {
      await whileBusy(cancel, "Cancelling…", () => cancelOrder(order.order_id, token));
      done({ cancelled: true });
    } catch (error) {
      done({ problem: error instanceof ApiProblem && (error.code === "PAYMENT_IN_PROGRESS" || error.code === "ORDER_NOT_CANCELLABLE") ? error.message : payProblem(error) });
    }
  });
  return h(
    "div",
    { className: "notice" },
    `This order is not paid yet: ${held} ${order.seats.length === 1 || order.quantity === 1 ? "is" : "are"} held for you. `,
    h("div", { className: "order-pending-actions" }, h("a", { className: "button", href: `/checkout?order=${encodeURIComponent(order.order_id)}` }, "Finish checkout"), cancel),
  );
}
