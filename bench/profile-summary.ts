/**
 * Reads a V8 CPU profile (Chrome DevTools Protocol `Profiler.stop`) of the Worker: self time per
 * function, inclusive time of the project's own functions, and self time per package or folder.
 * wrangler bundles the Worker into one file; its source map (next to the bundle) names the original
 * file of each function, so node_modules packages and the project's folders can be told apart.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
// @ts-expect-error -- wrangler's own dependency, typed only through its package exports
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Row {
  name: string;
  where: string;
  ms: number;
  share: number;
}

const maps = new Map<string, TraceMap | undefined>();

function mapOf(url: string): TraceMap | undefined {
  if (maps.has(url)) return maps.get(url);
  let map: TraceMap | undefined;
  try {
    const path = url.startsWith("file://") ? fileURLToPath(url) : url.startsWith("/") ? url : wranglerBundle(url);
    if (path && existsSync(`${path}.map`)) map = new TraceMap(readFileSync(`${path}.map`, "utf8"));
  } catch {
    map = undefined;
  }
  maps.set(url, map);
  return map;
}

/** `wrangler dev` names its bundle just `index.js`; it lives in .wrangler/tmp/<dev-…>/ (newest). */
function wranglerBundle(name: string): string | undefined {
  const root = join(process.cwd(), ".wrangler", "tmp");
  if (!existsSync(root)) return undefined;
  const candidates = readdirSync(root)
    .map((dir) => join(root, dir, name))
    .filter((file) => existsSync(`${file}.map`))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return candidates[0];
}

/** The original file and line of a profiled frame, e.g. `workers/use-cases/pay-order.ts:120`. */
function origin(frame: CpuProfile["nodes"][number]["callFrame"]): { file: string; line: number } {
  if (!frame.url) return { file: "", line: 0 };
  const map = mapOf(frame.url);
  if (map) {
    const found = originalPositionFor(map, { line: frame.lineNumber + 1, column: Math.max(0, frame.columnNumber) });
    if (found.source) return { file: found.source.replace(/^(\.\.\/)+/, "").replace(`${process.cwd()}/`, "").replace(/^.*?node_modules\//, "node_modules/"), line: found.line ?? 0 };
  }
  return { file: frame.url.replace(/^.*\//, ""), line: frame.lineNumber + 1 };
}

function packageOf(file: string): string {
  const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (npm) return npm[1]!;
  if (!file) return "(native / runtime)";
  const parts = file.split("/");
  return parts.length > 1 ? `${parts.slice(0, Math.min(2, parts.length - 1)).join("/")}/` : file;
}

export function summarizeProfile(profile: CpuProfile): { self: Row[]; ownInclusive: Row[]; byPackage: Row[]; totalMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const info = new Map<number, { key: string; name: string; where: string; pkg: string; own: boolean }>();
  for (const n of profile.nodes) {
    const { file, line } = origin(n.callFrame);
    const name = n.callFrame.functionName || "(anonymous)";
    const where = file ? `${file}:${line}` : "";
    const own = !!file && !file.startsWith("node_modules/") && !file.includes(".wrangler/") && /^(workers|db|durable-objects|bench)\//.test(file);
    info.set(n.id, { key: `${name}@${where}`, name, where, pkg: packageOf(file), own });
  }
  const self = new Map<string, Row>();
  const inclusive = new Map<string, Row>();
  const packages = new Map<string, Row>();
  let totalUs = 0;
  const add = (m: Map<string, Row>, key: string, name: string, where: string, us: number) => {
    const row = m.get(key) ?? m.set(key, { name, where, ms: 0, share: 0 }).get(key)!;
    row.ms += us / 1000;
  };
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i + 1] ?? 0; // the time until the next sample belongs to this one
    totalUs += us;
    const id = profile.samples[i]!;
    const leaf = info.get(id)!;
    add(self, leaf.key, leaf.name, leaf.where, us);
    add(packages, leaf.pkg, leaf.pkg, "", us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = info.get(at)!;
      if (!f.own || seen.has(f.key)) continue;
      seen.add(f.key);
      add(inclusive, f.key, f.name, f.where, us);
    }
    void byId;
  }
  const sorted = (m: Map<string, Row>) => [...m.values()].map((r) => ({ ...r, share: r.ms / (totalUs / 1000) })).sort((a, b) => b.ms - a.ms);
  return { self: sorted(self), ownInclusive: sorted(inclusive), byPackage: sorted(packages), totalMs: totalUs / 1000 };
}
