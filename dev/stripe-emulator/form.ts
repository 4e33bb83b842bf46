/**
 * Decoder for Stripe's form encoding (`a[b][0]=x`, `expand[]=y`), used for
 * POST bodies and GET query strings alike.
 *
 * Values stay strings and arrays stay objects keyed "0", "1", …: like Stripe's
 * own parser, only the endpoint knows whether `metadata[0]` is a hash key or an
 * array index, so interpretation is left to `Params`.
 */
export type FormValue = string | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

export class FormDecodeError extends Error {}

const KEY_PATTERN = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;

export function emptyForm(): FormObject {
  // Null prototype: keys like "__proto__" or "constructor" become plain data.
  return Object.create(null) as FormObject;
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component.replace(/\+/g, " "));
  } catch {
    throw new FormDecodeError(`Invalid URL encoding: ${component}`);
  }
}

function splitKey(rawKey: string): string[] {
  const match = KEY_PATTERN.exec(rawKey);
  if (!match) throw new FormDecodeError(`Invalid parameter name: ${rawKey}`);
  const [, head, brackets = ""] = match;
  const rest = brackets === "" ? [] : brackets.slice(1, -1).split("][");
  return [head as string, ...rest];
}

function assign(root: FormObject, segments: string[], value: string, rawKey: string): void {
  let container = root;
  segments.forEach((segment, index) => {
    // `[]` appends: the next free index of this container.
    const key = segment === "" ? String(Object.keys(container).length) : segment;
    const last = index === segments.length - 1;
    const existing = container[key];
    if (last) {
      if (typeof existing === "object") throw new FormDecodeError(`Conflicting values for ${rawKey}`);
      container[key] = value;
      return;
    }
    if (typeof existing === "string") throw new FormDecodeError(`Conflicting values for ${rawKey}`);
    const next = existing ?? emptyForm();
    container[key] = next;
    container = next;
  });
}

export function parseForm(encoded: string): FormObject {
  const root = emptyForm();
  for (const pair of encoded.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const rawKey = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? "" : decode(pair.slice(eq + 1));
    assign(root, splitKey(rawKey), value, rawKey);
  }
  return root;
}
