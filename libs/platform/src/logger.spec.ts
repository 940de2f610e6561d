import { QueryFailedError } from 'typeorm';
import { createLogger } from './logger';

function logLines(write: (logger: ReturnType<typeof createLogger>) => void): Record<string, unknown>[] {
  const lines: string[] = [];
  write(createLogger('test', 'info', { write: (line: string) => lines.push(line) }));
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('createLogger', () => {
  it('keeps the bound values of a failed SQL statement (secrets it was writing) out of the log', () => {
    const secret = 'whsec_c2VjcmV0LXRoYXQtbXVzdC1ub3QtbGVhaw==';
    const error = new QueryFailedError(
      'UPDATE "workflows" SET "signing_secret" = $1 WHERE "id" = $2',
      [secret, '1b4e28ba-2fa1-11d2-883f-00c04fd430c8'],
      new Error('cannot execute UPDATE in a read-only transaction'),
    );
    const [line] = logLines((logger) => logger.error({ err: error }, 'request failed'));
    expect(JSON.stringify(line)).not.toContain(secret);
    expect(line?.err).toMatchObject({
      message: 'cannot execute UPDATE in a read-only transaction',
      query: 'UPDATE "workflows" SET "signing_secret" = $1 WHERE "id" = $2',
      parameters: '[redacted]',
    });
  });

  it('keeps out what PostgreSQL quotes of the data in its error (where, detail), on the error and on its driverError', () => {
    const quoted = 'JSON data, line 1: ..."Bearer sk-live-SECRET123"},"payloadTemplate":{"a":"\\ud800...';
    const driverError = Object.assign(new Error('invalid input syntax for type json'), {
      where: quoted,
      detail: 'Key (name)=(sk-live-SECRET123) already exists.',
    });
    const error = new QueryFailedError('INSERT INTO "workflow_versions" ("definition") VALUES ($1)', [], driverError);
    const [line] = logLines((logger) => logger.error({ err: error }, 'request failed'));
    expect(JSON.stringify(line)).not.toContain('SECRET123');
    expect(line?.err).toMatchObject({ message: 'invalid input syntax for type json', where: '[redacted]' });
  });

  it('redacts signing secrets and API keys wherever a logged object carries them', () => {
    const [line] = logLines((logger) =>
      logger.info({ workflow: { signingSecret: 'whsec_x' }, headers: { 'x-api-key': 'awk_y' } }, 'seen'),
    );
    expect(line).toMatchObject({ workflow: { signingSecret: '[redacted]' }, headers: { 'x-api-key': '[redacted]' } });
  });
});
