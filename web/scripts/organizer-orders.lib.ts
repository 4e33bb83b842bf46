/**
 * The event editor's sales side: every order with a per-order "Refund" that opens the refund dialog
 * (any of its tickets, or an amount: organizer-orders-refund.lib), shown only to roles with
 * `order.refund`; and the waitlist in line order. Both lists come a page at a time (`next_cursor`),
 * with a "Load more" button under each while there is more. Once the event is cancelled, its
 * refunds are followed live (organizer-orders-cancellation.lib).
 */
import { ApiProblem, showStatus } from "./api.lib";
import { h } from "./elements.lib";
import { problemMessage } from "./field-errors.lib";
import { whileBusy } from "./form-controls.lib";
import { formatMoney } from "./format.lib";
import { answer, type Answer } from "./api-client.lib";
import { askForRefund, refundable, type OrderRow, type RefundRequest } from "./organizer-orders-refund.lib";
import { organizerClient } from "./organizer-session.lib";

export { followCancellation, type Cancellation } from "./organizer-orders-cancellation.lib";
export type { OrderRow } from "./organizer-orders-refund.lib";

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const PAGE_SIZE = 100;

/** One waitlist entry as `GET /events/{id}/waitlist` lists it. */
type WaitlistRow = Answer<(typeof organizerClient.events)[":eventId"]["waitlist"]["$get"]>["entries"][number];

const ORDER_WORDS: Record<string, string> = {
  pending: "Awaiting payment",
  confirmed: "Paid",
  expired: "Expired",
  cancelled: "Cancelled",
  refunded: "Refunded",
  partially_refunded: "Partly refunded",
};

const ENTRY_WORDS: Record<string, string> = { waiting: "Waiting", offered: "Offer open", purchased: "Bought", expired: "Offer expired", left: "Left" };

/** The "Load more" button under a list (made on first use), shown while the list has another page. */
function moreButton(list: HTMLElement, show: boolean, load: (button: HTMLButtonElement) => Promise<void>): void {
  const id = `${list.id}-more`;
  let button = document.getElementById(id) as HTMLButtonElement | null;
  if (!button) {
    button = h("button", { type: "button", id, className: "secondary small" }, "Load more") as HTMLButtonElement;
    const made = button;
    made.addEventListener("click", () => void load(made));
    list.after(made);
  }
  button.hidden = !show;
}

export class SalesPanel {
  private orders: OrderRow[] = [];
  private ordersCursor: string | null = null;
  private entries: WaitlistRow[] = [];
  private entriesCursor: string | null = null;
  private eventId = "";
  private eventStatus = "";
  /** Whether the signed-in member's role has `order.refund`; read once, with the first list. */
  private permissions: Promise<readonly string[]> | undefined;
  private canRefund = false;

  /** Orders still holding money among those loaded: what cancelling the event will refund, at least. */
  get paidOrders(): number {
    return this.orders.filter((o) => refundable(o) > 0).length;
  }

  /** Replaced attempts are folded into the attempt that replaced them unless the organizer asks. */
  private ordersPage(cursor?: string) {
    const replaced = document.querySelector<HTMLInputElement>("#orders-replaced");
    if (replaced && !replaced.dataset.wired) {
      replaced.dataset.wired = "1";
      replaced.addEventListener("change", () => void this.load(this.eventId, this.eventStatus));
    }
    const query = { limit: String(PAGE_SIZE), ...(replaced?.checked ? { include_superseded: "true" as const } : {}), ...(cursor ? { cursor } : {}) };
    return answer(organizerClient.events[":eventId"].orders.$get({ param: { eventId: this.eventId }, query }));
  }

  private waitlistPage(cursor?: string) {
    const query = { limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) };
    return answer(organizerClient.events[":eventId"].waitlist.$get({ param: { eventId: this.eventId }, query }));
  }

  async load(eventId: string, eventStatus: string): Promise<void> {
    this.eventId = eventId;
    this.eventStatus = eventStatus;
    const panel = $("#sales");
    panel.hidden = eventStatus === "draft";
    if (panel.hidden) return;
    try {
      this.permissions ??= answer(organizerClient.organizations.current.$get()).then(
        (organization): readonly string[] => organization.permissions,
        () => [],
      );
      const [orders, waitlist, permissions] = await Promise.all([
        this.ordersPage(),
        // Finance reads orders but not the waitlist: its list then stays empty rather than failing both.
        this.waitlistPage().catch((error: unknown) => {
          if (error instanceof ApiProblem && error.code === "FORBIDDEN") return { entries: [] as WaitlistRow[], next_cursor: null };
          throw error;
        }),
        this.permissions,
      ]);
      this.canRefund = permissions.includes("order.refund");
      [this.orders, this.ordersCursor] = [orders.orders, orders.next_cursor];
      [this.entries, this.entriesCursor] = [waitlist.entries, waitlist.next_cursor];
      this.renderOrders();
      this.renderWaitlist();
      showStatus($("#sales-status"), "");
    } catch (error) {
      showStatus($("#sales-status"), problemMessage(error, "We could not load the orders. Reload the page to try again."), "error");
    }
  }

  /** Appends the next page of one list, then shows it. */
  private async loadMore(which: "orders" | "waitlist", button: HTMLButtonElement): Promise<void> {
    try {
      await whileBusy(button, "Loading…", async () => {
        if (which === "orders" && this.ordersCursor) {
          const page = await this.ordersPage(this.ordersCursor);
          [this.orders, this.ordersCursor] = [[...this.orders, ...page.orders], page.next_cursor];
        } else if (which === "waitlist" && this.entriesCursor) {
          const page = await this.waitlistPage(this.entriesCursor);
          [this.entries, this.entriesCursor] = [[...this.entries, ...page.entries], page.next_cursor];
        }
      });
      if (which === "orders") this.renderOrders();
      else this.renderWaitlist();
    } catch (error) {
      showStatus($("#sales-status"), problemMessage(error, "We could not load more. Please try again."), "error");
    }
  }

  private renderOrders(): void {
    const refunds = this.eventStatus !== "cancelled";
    const list = $("#orders");
    const count = `${this.orders.length}${this.ordersCursor ? "+" : ""}`;
    $("#orders-count").textContent = this.orders.length === 0 ? "" : `${count} order${count === "1" ? "" : "s"}`;
    moreButton(list, this.ordersCursor !== null, (button) => this.loadMore("orders", button));
    if (this.orders.length === 0) {
      list.replaceChildren(h("li", { className: "empty-row" }, "No orders yet."));
      return;
    }
    list.replaceChildren(
      ...this.orders.map((order) => {
        const money = refundable(order);
        // Any of its tickets, or an amount up to what is left (the dialog); only for roles that refund.
        const button = refunds && this.canRefund && money > 0 ? h("button", { type: "button", className: "danger-outline small" }, order.refunded > 0 ? `Refund… · ${formatMoney(money, order.currency)} left` : "Refund…") : null;
        button?.addEventListener("click", () => void this.refund(order, button));
        const refundedTickets = order.tickets.filter((t) => t.status === "refunded").length;
        return h(
          "li",
          { className: "sales-row", "data-order-id": order.order_id },
          h(
            "div",
            { className: "sales-who" },
            h("strong", {}, order.attendee_name, order.order_code ? h("span", { className: "order-code", "data-order-code": order.order_code }, ` ${order.order_code}`) : null),
            h("span", { className: "meta" }, order.email),
            h("span", { className: "meta" }, `${order.quantity} × ${order.tier} · ${when.format(new Date(order.created_at))}`),
            order.status === "expired" && order.expired_at ? h("span", { className: "meta" }, `Hold ran out ${when.format(new Date(order.expired_at))}`) : null,
          ),
          h(
            "div",
            { className: "sales-money" },
            h("span", {}, formatMoney(order.amount, order.currency)),
            order.refunded > 0
              ? h("span", { className: "meta order-refunded" }, order.refunded >= order.amount ? `All ${formatMoney(order.refunded, order.currency)} refunded` : `${formatMoney(order.refunded, order.currency)} refunded`)
              : null,
            refundedTickets > 0 ? h("span", { className: "meta" }, `${refundedTickets} of ${order.tickets.length} tickets refunded`) : null,
            order.superseded_by
              ? h("span", { className: "badge order-cancelled", title: "The buyer tried again; see their next order." }, "Replaced")
              : h("span", { className: `badge order-${order.status}` }, ORDER_WORDS[order.status] ?? order.status),
          ),
          h("div", { className: "sales-actions" }, button),
        );
      }),
    );
  }

  private renderWaitlist(): void {
    const section = $("#waitlist-section");
    section.hidden = this.entries.length === 0;
    const list = $("#waitlist-entries");
    moreButton(list, this.entriesCursor !== null, (button) => this.loadMore("waitlist", button));
    list.replaceChildren(
      ...this.entries.map((entry) =>
        h(
          "li",
          { className: "sales-row", "data-entry-id": entry.entry_id },
          h("span", { className: "waitlist-position" }, `#${entry.position}`),
          h("div", { className: "sales-who" }, h("strong", {}, entry.attendee.name), h("span", { className: "meta" }, entry.attendee.email), h("span", { className: "meta" }, `${entry.quantity} ticket${entry.quantity === 1 ? "" : "s"} · joined ${when.format(new Date(entry.joined_at))}`)),
          h(
            "div",
            { className: "sales-money" },
            h("span", { className: `badge waitlist-${entry.status}` }, ENTRY_WORDS[entry.status] ?? entry.status),
            entry.status === "offered" && entry.offer_expires_at ? h("span", { className: "meta" }, `until ${when.format(new Date(entry.offer_expires_at))}`) : null,
          ),
        ),
      ),
    );
  }

  /** The refund dialog, then the request it names; both lists are reloaded either way. */
  private async refund(order: OrderRow, button: HTMLButtonElement): Promise<void> {
    const request = await askForRefund(order);
    if (request) await this.sendRefund(order, button, request);
  }

  private async sendRefund(order: OrderRow, button: HTMLButtonElement, { body, money }: RefundRequest): Promise<void> {
    let outcome: [string, "success" | "error"];
    try {
      await whileBusy(button, "Refunding…", () => answer(organizerClient.orders[":orderId"].refund.$post({ param: { orderId: order.order_id }, json: body })));
      outcome = [`Refunded ${money} to ${order.attendee_name}.`, "success"];
    } catch (error) {
      const message = error instanceof ApiProblem && error.code === "REFUND_NOT_ALLOWED" ? error.message : problemMessage(error, "The refund did not go through. Please try again.");
      outcome = [message, "error"];
    }
    // The freed tickets may already be offered to the waitlist: show both lists as they are now.
    await this.load(this.eventId, this.eventStatus);
    showStatus($("#sales-status"), ...outcome);
  }
}
