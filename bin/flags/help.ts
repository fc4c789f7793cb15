/**
 * `cairn --help`, laid out as etcd lays out its own: a usage block, then the flags by etcd's groups
 * (Member, Clustering, Security, Auth, ...), each as `--flag 'default'` over an indented one-line
 * description. docs/flags.md says which flags cairn honours.
 */
import { envName } from './env.js';
import { FLAG_TABLE, HELP_GROUPS } from './flag-table.js';

const USAGE_BLOCK = [
  'Usage:',
  '',
  '  cairn [flags]',
  '    Start one cairn member.',
  '',
  '  cairn --version',
  '    Print the version of cairn.',
  '',
  '  cairn -h | --help',
  '    Print this help.',
  '',
  '  cairn --config-file <path>',
  '    Read the configuration from a YAML file; command-line flags and environment variables are then ignored.',
  '',
  `  Every flag can also be set through the environment as ${envName('flag-name')} (for example ${envName('name')});`,
  '  a flag given on the command line wins over its variable.',
  '',
  '  docs/flags.md lists every flag with what cairn does with it: flags cairn cannot honour yet',
  '  (TLS, quota, auto compaction, ...) are refused at start, never silently ignored.',
];

/** The full help text, ending with a newline. */
export function helpText(): string {
  const lines = [...USAGE_BLOCK];
  for (const group of HELP_GROUPS) {
    lines.push('', `${group}:`);
    for (const spec of FLAG_TABLE) {
      if (spec.group !== group) continue;
      lines.push(`  --${spec.name} '${spec.helpDefault ?? spec.defaultValue}'`, `    ${spec.description}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
