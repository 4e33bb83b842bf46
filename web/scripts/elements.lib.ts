/**
 * `h("button", {type: "button", className: "secondary"}, "Save")`: elements built from code with
 * text always set as text, never parsed as HTML, so nothing a user typed can turn into markup.
 */
export type Child = Node | string | number | null | undefined | false;
export type Props = Record<string, string | number | boolean | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (name.startsWith("aria-") || name.startsWith("data-") || name === "role" || !(name in element)) {
      if (value !== false) element.setAttribute(name, value === true ? "" : String(value));
    } else {
      (element as unknown as Record<string, unknown>)[name] = value;
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}
