import { readFileSync } from 'node:fs';
import path from 'node:path';

const REPO_PACKAGE_NAME = 'agent-workflows';

let cachedRepoRoot: string | undefined;

/**
 * The folder holding this repository's package.json.
 *
 * Found by walking up from this file rather than from process.cwd(), because
 * this code runs both from TypeScript sources (jest, swc) and from compiled
 * `dist/libs/infra/src/*.js`, and callers may start anywhere.
 */
export function findRepoRoot(): string {
  if (cachedRepoRoot !== undefined) return cachedRepoRoot;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (readPackageName(path.join(dir, 'package.json')) === REPO_PACKAGE_NAME) {
      cachedRepoRoot = dir;
      return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(
        `cannot find the repository root: no package.json named "${REPO_PACKAGE_NAME}" above ${__dirname}`,
      );
    }
  }
}

function readPackageName(packageJsonPath: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(packageJsonPath, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'name' in parsed && typeof parsed.name === 'string') {
      return parsed.name;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** `<repo>/.data`: git-ignored home of local service data and downloaded artifacts. */
export function localDataRoot(): string {
  return path.join(findRepoRoot(), '.data');
}

/** Downloads that survive `wipe`, shared by all profiles. */
export function localCacheDir(): string {
  return path.join(localDataRoot(), 'cache');
}
