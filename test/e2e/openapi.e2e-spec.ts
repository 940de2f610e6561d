import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findRepoRoot } from '@app/infra';
import { startSystemUnderTest, type SystemUnderTest } from '@app/testing';

/** The api serves its OpenAPI document, exactly the committed docs/openapi/api.json, without a key. */
describe('OpenAPI', () => {
  let system: SystemUnderTest;

  beforeAll(async () => {
    system = await startSystemUnderTest({ suite: 'openapi', portOffset: 2550, names: ['api'] });
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('serves /openapi.json equal to the committed document, and a docs page', async () => {
    const served = await fetch(`${system.services.url('api')}/openapi.json`);
    expect(served.status).toBe(200);
    const committed = JSON.parse(readFileSync(path.join(findRepoRoot(), 'docs', 'openapi', 'api.json'), 'utf8'));
    expect(await served.json()).toEqual(committed);
    const page = await fetch(`${system.services.url('api')}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger');
  });
});
