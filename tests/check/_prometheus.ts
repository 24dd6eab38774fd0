/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for the tests: it parses the
 * samples and throws on anything the format does not allow, as Prometheus's own parser and
 * node_exporter's textfile collector would refuse it: a bad metric or label name, a label value
 * with an escape other than \\, \" and \n, a family's TYPE after its samples or given twice, a
 * family whose samples are not together, a series given twice, a value that is not a float.
 */

/** One sample: its metric name, labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** What {@linkcode parseExposition} read. */
export interface Exposition {
  samples: Sample[];
  /** Each family's TYPE. */
  types: Map<string, string>;
  /** Each family's HELP. */
  help: Map<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^[+-]?Inf$|^NaN$/;
const TYPES = new Set(["counter", "gauge", "summary", "histogram", "untyped"]);

/** The family a sample belongs to: a summary's `_sum` and `_count` are its own. */
function familyOf(name: string, types: Map<string, string>): string {
  for (const suffix of ["_sum", "_count", "_bucket"]) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const type = types.get(base);
      if (type === "summary" || type === "histogram") return base;
    }
  }
  return name;
}

/**
 * Parses `text`, throwing an Error that names the line on anything invalid.
 */
export function parseExposition(text: string): Exposition {
  if (text !== "" && !text.endsWith("\n")) throw new Error("the exposition must end with \\n");
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const done = new Set<string>(); // families whose samples are over
  const series = new Set<string>();
  let current: string | undefined;
  const lines = text.split("\n").slice(0, -1);
  lines.forEach((line, i) => {
    const fail = (why: string): never => {
      throw new Error(`line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line === "") return;
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // another comment
      const [, kind, name, rest] = m;
      if (!NAME.test(name)) fail("bad metric name");
      if (done.has(name) || current === name) fail(`${kind} after the family's samples`);
      if (kind === "TYPE") {
        if (types.has(name)) fail("TYPE given twice");
        if (!TYPES.has(rest)) fail("unknown type");
        types.set(name, rest);
      } else {
        if (help.has(name)) fail("HELP given twice");
        if (/\\[^\\n]|\\$/.test(rest)) fail("bad escape in HELP");
        help.set(name, rest);
      }
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
    if (!m) fail("not a sample");
    const [, name, , body, raw] = m!;
    const labels = parseLabels(body ?? "", fail);
    if (!FLOAT.test(raw)) fail("bad value");
    const family = familyOf(name, types);
    if (family !== current) {
      if (current !== undefined) done.add(current);
      if (done.has(family)) fail(`the samples of ${family} are not together`);
      current = family;
    }
    const type = types.get(family);
    if (type === "summary" && name === family && !("quantile" in labels)) {
      fail("a summary's sample without a quantile");
    }
    const key = `${name}{${
      Object.entries(labels).sort(([a], [b]) => a < b ? -1 : 1).map(([k, v]) => `${k}=${v}`)
        .join(",")
    }}`;
    if (series.has(key)) fail("a series given twice");
    series.add(key);
    samples.push({ name, labels, value: Number(raw.replace(/^\+?Inf$/, "Infinity")) });
  });
  return { samples, types, help };
}

function parseLabels(body: string, fail: (why: string) => never): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = body;
  while (rest !== "") {
    const m = /^([^=]*)="((?:[^"\\\n]|\\.)*)"(,|$)/.exec(rest);
    if (!m) fail("bad labels");
    const [whole, name, escaped] = m!;
    if (!LABEL_NAME.test(name) || name.startsWith("__")) fail(`bad label name ${name}`);
    if (name in labels) fail(`label ${name} twice`);
    if (/\\[^\\"n]/.test(escaped)) fail("bad escape in a label value");
    labels[name] = escaped.replace(/\\(.)/g, (_, c) => c === "n" ? "\n" : c);
    rest = rest.slice(whole.length);
  }
  return labels;
}
