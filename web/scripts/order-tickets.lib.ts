/**
 * A ticket as the confirmation page shows it. The QR codes arrive as SVG markup drawn server-side;
 * they are still parsed, never assigned as HTML: only an <svg> root is accepted and only the
 * handful of elements and attributes a QR drawing needs survive, so nothing in that markup can
 * run or load anything. The attendee's name is read from the signed ticket's claims (the token
 * the QR encodes), which the order endpoint does not repeat per ticket.
 */
const SVG_NS = "http://www.w3.org/2000/svg";
const ELEMENTS = new Set(["svg", "g", "path", "rect", "title", "desc"]);
const ATTRIBUTES = new Set(["xmlns", "viewBox", "width", "height", "fill", "stroke", "stroke-width", "d", "x", "y", "shape-rendering", "transform", "version"]);

function sanitize(element: Element): void {
  for (const attribute of [...element.attributes]) {
    if (!ATTRIBUTES.has(attribute.name) || /url\s*\(|javascript:/i.test(attribute.value)) element.removeAttribute(attribute.name);
  }
  for (const child of [...element.children]) {
    if (child.namespaceURI !== SVG_NS || !ELEMENTS.has(child.localName)) child.remove();
    else sanitize(child);
  }
}

export function qrCodeElement(markup: string, label: string): SVGSVGElement | undefined {
  const parsed = new DOMParser().parseFromString(markup, "image/svg+xml");
  const root = parsed.documentElement;
  if (parsed.getElementsByTagName("parsererror").length > 0 || root.namespaceURI !== SVG_NS || root.localName !== "svg") return undefined;
  sanitize(root);
  const svg = document.importNode(root, true) as unknown as SVGSVGElement;
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("class", "qr-code");
  return svg;
}

/** The claims of a ticket token (compact JWS), unverified: for display only, never for trust. */
export function ticketClaims(token: string): { name?: string; seat?: string | null } {
  try {
    const payload = token.split(".")[1] ?? "";
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "=");
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    return {
      name: typeof claims.name === "string" ? claims.name : undefined,
      seat: typeof claims.seat === "string" ? claims.seat : null,
    };
  } catch {
    return {};
  }
}
