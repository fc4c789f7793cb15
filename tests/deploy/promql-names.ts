/**
 * The metric names a PromQL expression reads, found the way a reader would: drop string literals,
 * label matchers, range and offset brackets, grouping clauses and $variables; what is left that is
 * an identifier not followed by "(" and not a PromQL keyword is a metric name. Enough for the
 * expressions of our dashboard and alert rules (tests/deploy checks every one against /metrics).
 */

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    const after = stripped.slice(match.index! + name.length).trimStart();
    const before = stripped[match.index! - 1];
    // A number's exponent or a duration's unit (1e6, 5m) follows a digit.
    if (before !== undefined && /[0-9.]/.test(before)) continue;
    if (after.startsWith('(') || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names].sort();
}
