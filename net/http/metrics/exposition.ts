/**
 * The body of /metrics: a prom-client Registry's families in Prometheus text format 0.0.4, each
 * family's text as prom-client writes it, laid out as etcd's client_golang lays them out:
 * families sorted by name, no blank line between them, a family without series left out (etcd
 * shows no peer families on a member alone, prom-client would print their HELP and TYPE).
 *
 * Numbers are prom-client's (JavaScript's) spelling, not Go's strconv.FormatFloat: a 2 GiB quota
 * reads `2147483648` where etcd writes `2.147483648e+09`, 1e-5 reads `0.00001` where Go writes
 * `1e-05`, and NaN is `Nan`. The text format takes any float spelling (Prometheus and promtool
 * parse both with Go's ParseFloat), and etcd's own bucket bounds (1 ms .. 51.2 s, 100 us ..
 * 3.2768 s) read the same in both, so histogram_quantile over etcd's `le` labels is unchanged.
 */
import { Registry } from 'prom-client';

/** The Content-Type of this format (what etcd 3.4 answers on /metrics). */
export const EXPOSITION_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** `registry`'s exposition text, families sorted by name. */
export async function renderExposition(registry: Registry): Promise<string> {
  const names = registry.getMetricsAsArray().map((metric) => metric.name);
  // Read in registration order, as registry.metrics() reads: some of prom-client's default
  // metrics set several families from the collect() of the first one registered (that of
  // nodejs_heap_size_total_bytes sets nodejs_external_memory_bytes, which sorts before it and
  // would read a scrape late).
  const texts = await Promise.all(names.map((name) => registry.getSingleMetricAsString(name)));
  const families = names.map((name, i) => ({ name, text: texts[i]! }))
    .filter(({ text }) => hasSeries(text))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return families.map(({ text }) => `${text}\n`).join('');
}

/** A family's text has a line after its `# HELP` and `# TYPE` lines (neither can hold a newline: prom-client escapes them). */
function hasSeries(text: string): boolean {
  const afterHelp = text.indexOf('\n');
  return afterHelp !== -1 && text.indexOf('\n', afterHelp + 1) !== -1;
}
