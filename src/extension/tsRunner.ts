// Finds how to run a TypeScript entry point the way the user's project does: tsx or ts-node from the
// nearest node_modules (so their versions and tsconfig apply), else Node's own type stripping.
// No vscode import; the choice itself is args.ts's nativeTypeStripping and TsRunner.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { nativeTypeStripping, type TsRunner } from './args';

export function findTsRunner(file: string, stopAt: string | undefined, nodeVersion: string): TsRunner | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const tsx = path.join(dir, 'node_modules', 'tsx', 'package.json');
    if (fs.existsSync(tsx)) {
      const entry = exportOf(tsx, '.') ?? './dist/loader.mjs';
      return { kind: 'import', specifier: pathToFileURL(path.join(path.dirname(tsx), entry)).href, label: 'tsx' };
    }
    const tsNode = path.join(dir, 'node_modules', 'ts-node', 'register', 'index.js');
    if (fs.existsSync(tsNode)) return { kind: 'require', specifier: tsNode, label: 'ts-node' };
    if (dir === stopAt || path.dirname(dir) === dir) break;
  }
  return nativeTypeStripping(nodeVersion);
}

function exportOf(pkgJson: string, key: string): string | undefined {
  try {
    const exp = JSON.parse(fs.readFileSync(pkgJson, 'utf8')).exports;
    const v = typeof exp === 'string' && key === '.' ? exp : exp?.[key];
    if (typeof v === 'string') return v;
    return v?.import ?? v?.default;
  } catch {
    return undefined;
  }
}
