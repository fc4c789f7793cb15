/**
 * Go's time.Duration as text: ParseDuration (flag values such as --auto-compaction-retention and
 * --command-timeout) and String (etcdctl's "took = 2.474392ms"), with Go's error texts.
 */
import { goQuote } from './go-quote.js';

const DURATION_UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9,
};

/**
 * time.ParseDuration: nanoseconds, or time's error text (`time: invalid duration "abc"`,
 * `time: missing unit in duration "1.5"`, `time: unknown unit "x" in duration "1h30x"`).
 */
export function parseGoDuration(text: string): number | string {
  const quoted = goQuote(text);
  const invalid = `time: invalid duration ${quoted}`;
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return invalid;
  let totalNs = 0;
  while (rest !== '') {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    if (number[0] === '' || number[0] === '.') return invalid;
    rest = rest.slice(number[0].length);
    const unit = /^[^0-9.]*/.exec(rest)![0];
    if (unit === '') return `time: missing unit in duration ${quoted}`;
    const unitNs = DURATION_UNIT_NS[unit];
    if (unitNs === undefined) return `time: unknown unit ${goQuote(unit)} in duration ${quoted}`;
    rest = rest.slice(unit.length);
    totalNs += Number(`${number[1] || '0'}.${number[2] ?? ''}0`) * unitNs;
  }
  return sign * Math.round(totalNs);
}

/** `value` / 10^digits as a decimal with trailing fractional zeros dropped (Go's fmtFrac). */
function withFraction(value: number, digits: number): string {
  const scale = 10 ** digits;
  const fraction = String(value % scale).padStart(digits, '0').replace(/0+$/, '');
  return String(Math.floor(value / scale)) + (fraction === '' ? '' : `.${fraction}`);
}

/** time.Duration.String for a duration in nanoseconds: "2.474392ms", "1.001034463s", "1m30s". */
export function formatGoDuration(durationNs: number): string {
  const ns = Math.round(Math.abs(durationNs));
  const sign = durationNs < 0 ? '-' : '';
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${withFraction(ns, 3)}µs`;
  if (ns < 1e9) return `${sign}${withFraction(ns, 6)}ms`;
  const wholeSeconds = Math.floor(ns / 1e9);
  const seconds = `${withFraction((wholeSeconds % 60) * 1e9 + (ns % 1e9), 9)}s`;
  const hours = Math.floor(wholeSeconds / 3600);
  const minutes = Math.floor((wholeSeconds % 3600) / 60);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return sign + seconds;
}
