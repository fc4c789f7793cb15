/**
 * Builds the Go clientv3 load generator (bench/go/clientv3-load) once per source: the binary is
 * cached under .cache/clientv3-load/<hash>/ (gitignored), the hash covering every .go file and the
 * Go version, so an edit or a new toolchain rebuilds it and nothing else does.
 *
 * The build runs in GOPATH mode against Debian's golang-etcd-server-dev, which installs etcd 3.4's
 * sources (clientv3 and all it imports) under /usr/share/gocode: no module download, no network.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository root, from dist/bench/clientv3/ (the Go sources are not compiled into dist/). */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const GO_SOURCE_DIR = join(REPO_ROOT, 'bench', 'go', 'clientv3-load');
export const GO_CACHE_DIR = join(REPO_ROOT, '.cache', 'clientv3-load');
/** Where Debian's golang-*-dev packages put Go sources. */
const GOCODE = '/usr/share/gocode';
const CLIENTV3_SOURCE = join(GOCODE, 'src', 'go.etcd.io', 'etcd', 'clientv3', 'client.go');
const BINARY_NAME = 'clientv3-load';
/** A cold build on a busy 2-core machine takes ~30-60 s; this bounds a wedged one. */
const BUILD_TIMEOUT_MS = 10 * 60_000;
const INSTALL_HINT = 'Debian: apt-get install golang-go golang-etcd-server-dev';

/** The `go version` line, or null when no go is on the PATH. */
export function goVersion(): string | null {
  try {
    return execFileSync('go', ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Why the load generator cannot be built here, or null when it can. */
export function goToolchainMissing(): string | null {
  if (goVersion() === null) return `the Go toolchain is not installed (${INSTALL_HINT})`;
  if (!existsSync(CLIENTV3_SOURCE)) return `etcd's clientv3 sources are not under ${GOCODE} (${INSTALL_HINT})`;
  return null;
}

/** A hash of the Go version and every .go file of the generator (names and contents). */
export function sourceHash(sourceDir = GO_SOURCE_DIR, version = goVersion() ?? 'no go'): string {
  const hash = createHash('sha256').update(version);
  for (const file of readdirSync(sourceDir).filter((name) => name.endsWith('.go')).sort()) {
    hash.update(`\0${file}\0`).update(readFileSync(join(sourceDir, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The environment of a GOPATH-mode build whose caches stay inside `cacheDir`. */
function buildEnvironment(cacheDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env, GO111MODULE: 'off', GOFLAGS: '', GOPATH: `${join(cacheDir, 'gopath')}:${GOCODE}`, GOCACHE: join(cacheDir, 'go-build'),
  };
}

/** Runs the generator's Go unit tests (`go test`) as the build compiles it; resolves with their output. */
export async function testClientV3Load(cacheDir = GO_CACHE_DIR): Promise<string> {
  const { stdout } = await promisify(execFile)('go', ['test', '.'], {
    cwd: GO_SOURCE_DIR, env: buildEnvironment(cacheDir), timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 << 20,
  });
  return stdout;
}

export interface GoBuild {
  binary: string;
  /** The source hash the binary was built from (sourceHash). */
  hash: string;
  /** False when the cached binary of this source was reused. */
  built: boolean;
  seconds: number;
}

/**
 * The generator's binary for the current source: the cached one, or a fresh build (written under a
 * temporary name and renamed, so a concurrent run never sees half a binary). Binaries of older
 * sources are removed; Go's own build cache is kept, so a rebuild after an edit is quick.
 */
export async function buildClientV3Load(cacheDir = GO_CACHE_DIR): Promise<GoBuild> {
  const missing = goToolchainMissing();
  if (missing !== null) throw new Error(`cannot build ${BINARY_NAME}: ${missing}`);
  const hash = sourceHash();
  const binary = join(cacheDir, hash, BINARY_NAME);
  if (existsSync(binary)) return { binary, hash, built: false, seconds: 0 };
  mkdirSync(join(cacheDir, hash), { recursive: true });
  const partial = `${binary}.${process.pid}.partial`;
  const startedMs = Date.now();
  try {
    await promisify(execFile)('go', ['build', '-o', partial, '.'], {
      cwd: GO_SOURCE_DIR, env: buildEnvironment(cacheDir), timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 << 20,
    });
  } catch (error) {
    rmSync(partial, { force: true });
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`go build of ${GO_SOURCE_DIR} failed: ${error instanceof Error ? error.message : String(error)}\n${stderr}`);
  }
  renameSync(partial, binary);
  for (const entry of readdirSync(cacheDir)) {
    if (/^[0-9a-f]{16}$/.test(entry) && entry !== hash) rmSync(join(cacheDir, entry), { recursive: true, force: true });
  }
  return { binary, hash, built: true, seconds: (Date.now() - startedMs) / 1000 };
}
