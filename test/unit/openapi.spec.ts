import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { API_OPENAPI_FILE, buildApiOpenApiDocument } from '../../tools/openapi';

const root = path.join(__dirname, '..', '..');

/** The committed OpenAPI document is the one the code describes, and it passes the linter. */
describe('the api’s OpenAPI document', () => {
  it('is what `npm run openapi` generates from the controllers and contracts (run it after changing them)', async () => {
    const committed = readFileSync(path.join(root, API_OPENAPI_FILE), 'utf8');
    expect(await buildApiOpenApiDocument()).toBe(committed);
  });

  it('passes `redocly lint` with the rules of redocly.yaml, offline', () => {
    const result = spawnSync(
      path.join(root, 'node_modules', '.bin', 'redocly'),
      ['lint', API_OPENAPI_FILE, '--config', 'redocly.yaml', '--format', 'json'],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    );
    const report = JSON.parse(result.stdout) as { problems: { ruleId: string; message: string }[] };
    expect(report.problems.map(({ ruleId, message }) => `${ruleId}: ${message}`)).toEqual([]);
    expect(result.status).toBe(0);
  });
});
