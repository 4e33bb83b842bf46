/**
 * The war room's revenue report: gross, refunds and net per day (or hour) and tier, read from
 * `reports/sales` — the one-minute summary tables plus the ledger since their last refresh, never the
 * booking path — and refreshed every minute while the page is open.
 */
import { h } from "./elements.lib";
import { formatAmount } from "./organizer-live-figures.lib";
import { answer, type Answer } from "./api-client.lib";
import { organizerClient } from "./organizer-session.lib";

type SalesCall = (typeof organizerClient.events)[":eventId"]["reports"]["sales"]["$get"];
type Bucket = Answer<SalesCall>["bucket"];

const REFRESH_MS = 60_000;

function periodLabel(start: string, bucket: Bucket): string {
  // period_start is local to the event's time zone already ("2026-12-03T18:00:00").
  const [date, time] = start.split("T");
  return bucket === "day" ? date! : `${date} ${time!.slice(0, 5)}`;
}

export function mountRevenueReport(section: HTMLElement, eventId: string): void {
  const body = section.querySelector<HTMLElement>("tbody")!;
  const foot = section.querySelector<HTMLElement>("tfoot")!;
  const select = section.querySelector<HTMLSelectElement>("select[name=bucket]")!;
  const empty = section.querySelector<HTMLElement>("[data-report-empty]")!;

  async function load(): Promise<void> {
    const report = await answer(organizerClient.events[":eventId"].reports.sales.$get({ param: { eventId }, query: { bucket: select.value as Bucket } }));
    const money = (minor: number) => formatAmount(minor, report.currency);
    body.replaceChildren(
      ...report.rows.map((row) =>
        h(
          "tr",
          { "data-report-row": `${row.period_start}|${row.tier_id}` },
          h("td", {}, periodLabel(row.period_start, report.bucket)),
          h("td", {}, row.tier_name),
          h("td", {}, String(row.tickets_sold)),
          h("td", {}, money(row.gross)),
          h("td", {}, money(row.refunded)),
          h("td", {}, money(row.net)),
        ),
      ),
    );
    const { tickets_sold, gross, refunded } = report.totals;
    foot.replaceChildren(
      h("tr", {}, h("th", { scope: "row" }, "Total"), h("td", {}), h("td", { "data-report-total": "tickets" }, String(tickets_sold)), h("td", { "data-report-total": "gross" }, money(gross)), h("td", { "data-report-total": "refunded" }, money(refunded)), h("td", { "data-report-total": "net" }, money(gross - refunded))),
    );
    empty.hidden = report.rows.length > 0;
  }

  const refresh = () => void load().catch(() => undefined);
  select.addEventListener("change", refresh);
  refresh();
  setInterval(() => {
    if (document.visibilityState === "visible") refresh();
  }, REFRESH_MS);
}
