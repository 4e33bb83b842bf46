/**
 * The event list: search and filters kept in the URL (so a search can be shared and survives a
 * reload), results rendered as cards, "Show more" following the API's cursor.
 */
import { ApiProblem, showStatus } from "./api.lib";
import { listCategories, listEvents, type CatalogEvent } from "./catalog.lib";
import { formatMoney, formatWhen } from "./format.lib";

const form = document.querySelector<HTMLFormElement>("#filters")!;
const list = document.querySelector<HTMLElement>("#events")!;
const status = document.querySelector<HTMLElement>("#status")!;
const more = document.querySelector<HTMLButtonElement>("#more")!;
const FIELDS = ["q", "city", "category", "from", "to"] as const;

let nextCursor: string | null = null;

function card(event: CatalogEvent): HTMLElement {
  const link = document.createElement("a");
  link.className = "card";
  link.href = `/event?id=${encodeURIComponent(event.event_id)}`;
  const pill = document.createElement("span");
  pill.className = event.sold_out ? "pill soldout" : "pill";
  pill.textContent = event.sold_out ? "Sold out" : event.category;
  const title = document.createElement("h2");
  title.textContent = event.title;
  const when = document.createElement("div");
  when.className = "meta";
  when.textContent = formatWhen(event.starts_at, event.ends_at, event.timezone);
  const where = document.createElement("div");
  where.className = "meta";
  where.textContent = `${event.venue.name} · ${event.venue.city}`;
  const price = document.createElement("div");
  price.className = "price";
  price.textContent = event.price_from === null ? "" : event.price_from === 0 ? "Free" : `From ${formatMoney(event.price_from, event.currency)}`;
  link.append(pill, title, when, where, price);
  return link;
}

function queryFromUrl(): URLSearchParams {
  const params = new URLSearchParams();
  const current = new URLSearchParams(location.search);
  for (const field of FIELDS) {
    const value = current.get(field)?.trim();
    if (value) params.set(field, value);
  }
  return params;
}

async function load(append: boolean): Promise<void> {
  const params = queryFromUrl();
  if (append && nextCursor) params.set("cursor", nextCursor);
  showStatus(status, append ? "" : "Loading events…");
  try {
    const page = await listEvents(params);
    if (!append) list.replaceChildren();
    list.append(...page.events.map(card));
    nextCursor = page.next_cursor;
    more.hidden = !nextCursor;
    if (!append && page.events.length === 0) {
      showStatus(status, params.toString() ? "No events match your search. Try fewer filters." : "No upcoming events yet.");
    } else {
      showStatus(status, "");
    }
  } catch (error) {
    const message = error instanceof ApiProblem ? error.message : "Something went wrong loading events.";
    showStatus(status, message, "error");
  }
}

function fillForm(): void {
  const params = new URLSearchParams(location.search);
  for (const field of FIELDS) {
    const input = form.elements.namedItem(field) as HTMLInputElement | HTMLSelectElement | null;
    if (input) input.value = params.get(field) ?? "";
  }
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) {
    if (typeof value === "string" && value.trim()) params.set(key, value.trim());
  }
  history.pushState(null, "", params.toString() ? `/?${params}` : "/");
  void load(false);
});
more.addEventListener("click", () => void load(true));
window.addEventListener("popstate", () => {
  fillForm();
  void load(false);
});

/** The category filter offers exactly the categories events on sale have (GET /api/v1/categories). */
async function loadCategories(): Promise<void> {
  const select = form.elements.namedItem("category") as HTMLSelectElement;
  const wanted = new URLSearchParams(location.search).get("category")?.toLowerCase() ?? "";
  try {
    const { categories } = await listCategories();
    const options = categories.map(({ category, label }) => new Option(label, category));
    // A shared link may name a category with nothing on sale now: keep it selectable.
    if (wanted && !categories.some((c) => c.category === wanted)) options.push(new Option(wanted, wanted));
    select.replaceChildren(new Option("Any", ""), ...options);
  } catch {
    // The filter still works as a free "Any"; the list is a convenience.
  }
  select.value = wanted;
}

fillForm();
void loadCategories();
void load(false);
