/**
 * Prometheus text exposition format 0.0.4, written the way etcd's client_golang writes it, so
 * tools that scrape etcd (and diffs against a real etcd's /metrics) see the same text:
 *
 *   # HELP name help text (backslash and newline escaped)
 *   # TYPE name counter|gauge|histogram
 *   name{label="value"} 12
 *   name_bucket{le="0.001"} 3 ... name_bucket{le="+Inf"} 5   name_sum 0.004   name_count 5
 *
 * Families come out sorted by name, as client_golang's gatherer sorts them; one without samples is left out. Numbers use Go's
 * strconv.FormatFloat(v, 'g', -1, 64): shortest round-trip digits, exponent form below 1e-4 or
 * from 1e6 up (25006080 is written 2.500608e+07, as etcd writes its RSS).
 */

/** The Content-Type of this format (what etcd 3.4 answers on /metrics). */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface Sample {
  /** The suffix after the family name (`_bucket`, `_sum`, `_count`) or ''. */
  suffix: string;
  labels: ReadonlyArray<readonly [string, string]>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

/** A number as Go's strconv.FormatFloat(value, 'g', -1, 64) writes it, with Prometheus' spellings of the infinities. */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  // toExponential() without digits gives the shortest digits that round-trip, as Go's -1 precision does.
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  // Within that window JS's own formatting is positional with the same shortest digits.
  return String(value);
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function sampleLine(name: string, sample: Sample): string {
  const labels = sample.labels.length === 0 ? ''
    : `{${sample.labels.map(([label, value]) => `${label}="${escapeLabelValue(value)}"`).join(',')}}`;
  return `${name}${sample.suffix}${labels} ${formatGoFloat(sample.value)}\n`;
}

/** The exposition text of `families`, sorted by name. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const sorted = [...families].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let text = '';
  for (const family of sorted) {
    // client_golang leaves out a family with no series (a vector nothing was recorded in yet).
    if (family.samples.length === 0) continue;
    text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) text += sampleLine(family.name, sample);
  }
  return text;
}
