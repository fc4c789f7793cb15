/**
 * What `cairn --version` prints and the "starting an etcd server" line reports, laid out as etcd's
 * `etcd --version` (etcd Version / Git SHA / Go Version / Go OS/Arch): cairn's version, the git
 * commit it was built from when the package sits in a git checkout, Node.js's version and the
 * platform, then the etcd API version cairn speaks (what /version answers as "etcdserver").
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ETCD_API_VERSION } from '../engine/node/cluster-members.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** etcd's text when a binary was built without its commit. */
const NO_GIT_SHA = 'Not provided';

/** The facts --version prints. */
export interface VersionInfo {
  version: string;
  gitSha: string;
  nodeVersion: string;
  platform: string;
  etcdApiVersion: string;
}

/** This package's version, commit (when known), runtime and platform. */
export function versionInfo(): VersionInfo {
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return { version, gitSha: gitSha(), nodeVersion: process.version, platform: `${process.platform}/${process.arch}`, etcdApiVersion: ETCD_API_VERSION };
}

/** The short commit of the checkout the package runs from, or etcd's "Not provided". */
function gitSha(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 })
      .toString().trim() || NO_GIT_SHA;
  } catch {
    return NO_GIT_SHA;
  }
}

/** `cairn --version`'s text. */
export function versionText(info: VersionInfo): string {
  return `cairn Version: ${info.version}\nGit SHA: ${info.gitSha}\nNode.js Version: ${info.nodeVersion}\n` +
    `Node.js OS/Arch: ${info.platform}\netcd API Version: ${info.etcdApiVersion}\n`;
}
