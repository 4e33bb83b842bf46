/**
 * The event editor's sales side: every order with a per-order "Refund" (in full, whatever the
 * policy says: the organizer may always refund), the waitlist in line order, and, once the event
 * is cancelled, the background refund of every order followed live until it is done. Both lists
 * come a page at a time (`next_cursor`), with a "Load more" button under each while there is more.
 */
import { ApiProblem, showStatus } from "./api.lib";
import { askToConfirm } from "./confirm-dialog.lib";
import { h } from "./elements.lib";
import { problemMessage } from "./field-errors.lib";
import { whileBusy } from "./form-controls.lib";
import { formatMoney } from "./format.lib";
import { organizerApi } from "./organizer-session.lib";

export interface OrderRow {
  order_id: string;
  created_at: string;
  status: string;
  attendee_name: string;
  email: string;
  tier: string;
  quantity: number;
  amount: number;
  currency: string;
  refunded: number;
  /** The code in the attendee's mail (paid orders). */
  order_code: string | null;
  /** Set when a pending order's hold ran out: it reads `expired` from then on. */
  expired_at: string | null;
  /** The buyer's next attempt at the same tier, when this one was replaced (declined, abandoned). */
  superseded_by: string | null;
}

interface WaitlistRow {
  entry_id: string;
  tier_id: string;
  position: number;
  quantity: number;
  status: string;
  attendee: { name: string; email: string };
  offer_expires_at: string | null;
  joined_at: string;
}

export interface Cancellation {
  status: "running" | "completed";
  orders_total: number;
  orders_refunded: number;
  started_at: string;
  finished_at: string | null;
}

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const POLL_MS = 1500;
const PAGE_SIZE = 100;

type Paged<Field extends string, Row> = { [K in Field]: Row[] } & { next_cursor: string | null };

const ORDER_WORDS: Record<string, string> = {
  pending: "Awaiting payment",
  confirmed: "Paid",
  expired: "Expired",
  cancelled: "Cancelled",
  refunded: "Refunded",
  partially_refunded: "Partly refunded",
};

const ENTRY_WORDS: Record<string, string> = { waiting: "Waiting", offered: "Offer open", purchased: "Bought", expired: "Offer expired", left: "Left" };

/** What a refund by the organizer would still give back. */
function refundable(order: OrderRow): number {
  // A refunded order may still hold money: every ticket refunded at the policy's 50% leaves half.
  return ["confirmed", "partially_refunded", "refunded"].includes(order.status) ? Math.max(0, order.amount - order.refunded) : 0;
}

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

  /** Orders still holding money among those loaded: what cancelling the event will refund, at least. */
  get paidOrders(): number {
    return this.orders.filter((o) => refundable(o) > 0).length;
  }

  /** Replaced attempts are folded into the attempt that replaced them unless the organizer asks. */
  private get ordersQuery(): string {
    const replaced = document.querySelector<HTMLInputElement>("#orders-replaced");
    if (replaced && !replaced.dataset.wired) {
      replaced.dataset.wired = "1";
      replaced.addEventListener("change", () => void this.load(this.eventId, this.eventStatus));
    }
    return `limit=${PAGE_SIZE}${replaced?.checked ? "&include_superseded=true" : ""}`;
  }

  private get base(): string {
    return `/api/v1/events/${encodeURIComponent(this.eventId)}`;
  }

  async load(eventId: string, eventStatus: string): Promise<void> {
    this.eventId = eventId;
    this.eventStatus = eventStatus;
    const panel = $("#sales");
    panel.hidden = eventStatus === "draft";
    if (panel.hidden) return;
    try {
      const [orders, waitlist] = await Promise.all([
        organizerApi<Paged<"orders", OrderRow>>(`${this.base}/orders?${this.ordersQuery}`),
        organizerApi<Paged<"entries", WaitlistRow>>(`${this.base}/waitlist?limit=${PAGE_SIZE}`),
      ]);
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
          const page = await organizerApi<Paged<"orders", OrderRow>>(`${this.base}/orders?${this.ordersQuery}&cursor=${encodeURIComponent(this.ordersCursor)}`);
          [this.orders, this.ordersCursor] = [[...this.orders, ...page.orders], page.next_cursor];
        } else if (which === "waitlist" && this.entriesCursor) {
          const page = await organizerApi<Paged<"entries", WaitlistRow>>(`${this.base}/waitlist?limit=${PAGE_SIZE}&cursor=${encodeURIComponent(this.entriesCursor)}`);
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
        // Untouched orders refund their tickets in full; after a partial refund, the money left.
        const rest = order.refunded > 0;
        const button = refunds && money > 0 ? h("button", { type: "button", className: "danger-outline small" }, rest ? `Refund the rest · ${formatMoney(money, order.currency)}` : "Refund") : null;
        button?.addEventListener("click", () => void (rest ? this.refundRest(order, button) : this.refund(order, button)));
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
            order.refunded > 0 ? h("span", { className: "meta" }, `${formatMoney(order.refunded, order.currency)} refunded`) : null,
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

  /**
   * What is left of a partly refunded order, as an amount (money only; tickets still valid stay
   * valid). One idempotency key per press, so a retried request refunds once.
   */
  private async refundRest(order: OrderRow, button: HTMLButtonElement): Promise<void> {
    const money = formatMoney(refundable(order), order.currency);
    const sure = await askToConfirm({
      title: `Refund the rest of ${order.attendee_name}'s order?`,
      text: `${formatMoney(order.refunded, order.currency)} of ${formatMoney(order.amount, order.currency)} was refunded already. The remaining ${money} goes back to the card they paid with. Tickets still valid stay valid. This cannot be undone.`,
      confirm: `Refund ${money}`,
      cancel: "Keep it as it is",
      danger: true,
    });
    if (!sure) return;
    const body = { amount: refundable(order), idempotency_key: crypto.randomUUID(), reason: "Rest refunded by the organizer" };
    await this.sendRefund(order, button, body, money);
  }

  private async sendRefund(order: OrderRow, button: HTMLButtonElement, body: Record<string, unknown>, money: string): Promise<void> {
    let outcome: [string, "success" | "error"];
    try {
      await whileBusy(button, "Refunding…", () => organizerApi(`/api/v1/orders/${encodeURIComponent(order.order_id)}/refund`, { method: "POST", body: JSON.stringify(body) }));
      outcome = [`Refunded ${money} to ${order.attendee_name}.`, "success"];
    } catch (error) {
      const message = error instanceof ApiProblem && error.code === "REFUND_NOT_ALLOWED" ? error.message : problemMessage(error, "The refund did not go through. Please try again.");
      outcome = [message, "error"];
    }
    await this.load(this.eventId, this.eventStatus);
    showStatus($("#sales-status"), ...outcome);
  }

  private async refund(order: OrderRow, button: HTMLButtonElement): Promise<void> {
    const money = formatMoney(refundable(order), order.currency);
    const sure = await askToConfirm({
      title: `Refund ${order.attendee_name}'s order?`,
      text: `${money} goes back to the card they paid with, in full whatever the refund policy says, and their ${order.quantity === 1 ? "ticket stops" : "tickets stop"} working at the door. The freed tickets are offered to the waitlist first. This cannot be undone.`,
      confirm: `Refund ${money}`,
      cancel: "Keep the order",
      danger: true,
    });
    if (!sure) return;
    // The freed tickets may already be offered to the waitlist: sendRefund shows both lists as they are now.
    await this.sendRefund(order, button, { reason: "Refunded by the organizer" }, money);
  }
}

/**
 * Shows the cancellation's refunds as they happen, asking every couple of seconds until every order
 * is refunded. Resolves when it is complete (or cannot be followed any further).
 */
export async function followCancellation(eventId: string, first?: Cancellation | null): Promise<Cancellation | undefined> {
  const panel = $("#cancellation");
  let current = first ?? undefined;
  for (;;) {
    if (!current) {
      try {
        current = await organizerApi<Cancellation>(`/api/v1/events/${encodeURIComponent(eventId)}/cancellation`);
      } catch (error) {
        if (error instanceof ApiProblem && error.code === "NOT_FOUND") return undefined;
        showStatus($("#cancellation-text"), problemMessage(error, "We lost touch with the refunds in progress; they continue anyway."), "error");
        await new Promise((r) => setTimeout(r, POLL_MS * 2));
        continue;
      }
    }
    renderCancellation(current);
    panel.hidden = false;
    if (current.status === "completed") return current;
    await new Promise((r) => setTimeout(r, POLL_MS));
    current = undefined;
  }
}

function renderCancellation(c: Cancellation): void {
  const done = c.status === "completed";
  const share = c.orders_total === 0 ? 100 : Math.round((c.orders_refunded / c.orders_total) * 100);
  const bar = $("#cancellation-progress");
  bar.setAttribute("aria-valuenow", String(share));
  $("#cancellation-bar").style.width = `${share}%`;
  $("#cancellation").classList.toggle("done", done);
  $("#cancellation-title").textContent = done ? "Every order is refunded" : "Refunding every order…";
  $("#cancellation-count").textContent = `${c.orders_refunded} of ${c.orders_total} order${c.orders_total === 1 ? "" : "s"} refunded`;
  $("#cancellation-text").textContent = done
    ? `Finished ${c.finished_at ? when.format(new Date(c.finished_at)) : ""}. Every attendee was refunded in full.`
    : "Refunds run in the background and resume by themselves after any interruption; you can leave this page.";
}
