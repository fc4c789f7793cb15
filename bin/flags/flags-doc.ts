/**
 * docs/flags.md, generated from the flag table: every etcd 3.4/3.5 flag with its default, its
 * config-file key and what cairn does with it. tests/flags/flags-doc.test.ts fails when the
 * committed file differs, so the page cannot drift from the code; rewrite it with
 * `node dist/bin/flags/flags-doc.js > docs/flags.md`.
 */
import { pathToFileURL } from 'node:url';
import { FLAG_TABLE, HELP_GROUPS, type FlagSpec } from './flag-table.js';

const HEADER = `# cairn's flags

Every flag of etcd 3.4 and 3.5, as \`cairn --help\` groups them, and what cairn does with it. Each
flag can also be set as a \`CAIRN_<FLAG>\` environment variable (etcd: \`ETCD_<FLAG>\`) or as its key
in a YAML \`--config-file\` (etcd's keys; durations in nanoseconds, lists as YAML sequences).

- **honoured**: the flag means what it means in etcd (the note says where cairn differs).
- **refused**: any value but the default stops the server at start with
  \`error verifying flags, --<flag> is not supported[ yet]: <why>\`; "yet" names the issue that
  will bring it.
- **no effect**: accepted with any valid value because it tunes a part cairn does not have; when
  set to something other than its default, a warning line says so at start.
- **ignored, as by etcd**: etcd's own obsolete flags; set, they log etcd's warning.

A config-file key cairn does not know is accepted, as etcd accepts it, with a warning at start.
Generated from \`bin/flags/flag-table.ts\` by \`node dist/bin/flags/flags-doc.js\`; a test fails
when this page and the table disagree.
`;

function statusOf(spec: FlagSpec): string {
  const support = spec.support;
  const note = spec.note === undefined ? '' : `: ${spec.note}`;
  switch (support.status) {
    case 'honoured': return `honoured${note}`;
    case 'no-op': return `no effect: ${support.why}`;
    case 'refused': return `refused${support.yet ? ' (not supported yet)' : ''}: ${support.why}${note}`;
    case 'obsolete': return 'ignored, as by etcd (a pre-3.0 flag)';
  }
}

function configKeyOf(spec: FlagSpec): string {
  if (spec.config === null) return '-';
  const path = spec.config.section === undefined ? spec.config.key : `${spec.config.section}: ${spec.config.key}`;
  return `\`${path}\` (${spec.config.type})`;
}

/** Escapes what would break a table cell. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** The whole page. */
export function flagsDocument(): string {
  const lines = [HEADER];
  const count = (status: string): number => FLAG_TABLE.filter((spec) => spec.support.status === status).length;
  lines.push(`${FLAG_TABLE.length} flags: ${count('honoured')} honoured, ${count('refused')} refused, ` +
    `${count('no-op')} with no effect, ${count('obsolete')} ignored as by etcd.`, '');
  for (const group of HELP_GROUPS) {
    lines.push(`## ${group}`, '', '| flag | default | config-file key | etcd | cairn |', '|---|---|---|---|---|');
    for (const spec of FLAG_TABLE) {
      if (spec.group !== group) continue;
      const shown = spec.helpDefault ?? spec.defaultValue;
      lines.push(`| \`--${spec.name}\` | ${shown === '' ? '\'\'' : `\`${cell(shown)}\``} | ${configKeyOf(spec)} | ${spec.since ?? '3.4'} | ${cell(statusOf(spec))} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(flagsDocument());
}
