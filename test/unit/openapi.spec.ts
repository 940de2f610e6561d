import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OPENAPI_SERVICES, buildOpenApiDocument, openApiFile } from '../../tools/openapi';

const root = path.join(__dirname, '..', '..');

/** Each committed OpenAPI document is the one the code describes, and it passes the linter. */
describe.each(OPENAPI_SERVICES.map((service) => [service.name, service] as const))(
  'the %s’s OpenAPI document',
  (name, service) => {
    it('is what `npm run openapi` generates from the controllers and contracts (run it after changing them)', async () => {
      const committed = readFileSync(path.join(root, openApiFile(name)), 'utf8');
      expect(await buildOpenApiDocument(service)).toBe(committed);
    });

    it('passes `redocly lint` with the rules of redocly.yaml, offline', () => {
      const result = spawnSync(
        path.join(root, 'node_modules', '.bin', 'redocly'),
        ['lint', openApiFile(name), '--config', 'redocly.yaml', '--format', 'json'],
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
  },
);
