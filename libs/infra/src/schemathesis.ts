import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCommand, secondsSince } from './processes';
import { localCacheDir } from './repo-paths';

/*
 * Schemathesis (PyPI, MIT): generates requests from an OpenAPI document and checks the answers
 * against it. The e2e tests fuzz every HTTP API with it. It lives in a Python virtual environment
 * of its own under the cache, installed with pip on first use, so nothing touches the machine's
 * own Python packages.
 */

export const SCHEMATHESIS_VERSION = '4.32.5';

/** The `schemathesis` command, installed first when it is missing (a check never passes by skipping). */
export async function ensureSchemathesis(log: (line: string) => void): Promise<string> {
  const home = path.join(localCacheDir(), `schemathesis-${SCHEMATHESIS_VERSION}`);
  const command = path.join(home, 'bin', 'schemathesis');
  // Written last: a virtual environment is not relocatable, so an interrupted install is
  // recognised by its missing marker and made again rather than staged and renamed.
  const marker = path.join(home, '.installed');
  if (existsSync(marker)) return command;
  const startedAt = Date.now();
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} with pip into ${home}…`);
  await rm(home, { recursive: true, force: true });
  const python = { installHint: 'Python 3 with its venv module is needed (Debian: apt-get install python3-venv)' };
  await runCommand('python3', ['-m', 'venv', home], python);
  await runCommand(
    path.join(home, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`],
    python,
  );
  await writeFile(marker, `${SCHEMATHESIS_VERSION}\n`);
  log(`installed schemathesis ${SCHEMATHESIS_VERSION} (${secondsSince(startedAt)})`);
  return command;
}
