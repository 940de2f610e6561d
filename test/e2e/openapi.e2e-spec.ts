import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findRepoRoot } from '@app/infra';
import { startSystemUnderTest, type SystemUnderTest } from '@app/testing';
import { OPENAPI_SERVICES, openApiFile } from '../../tools/openapi';

/** Each service with an OpenAPI document serves it, exactly the committed docs/openapi/<service>.json, without a key. */
describe('OpenAPI', () => {
  let system: SystemUnderTest;

  beforeAll(async () => {
    system = await startSystemUnderTest({
      suite: 'openapi',
      portOffset: 2550,
      names: OPENAPI_SERVICES.map((service) => service.name),
    });
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
  });

  it.each(OPENAPI_SERVICES.map((service) => service.name))(
    '%s serves /openapi.json equal to the committed document, and a docs page',
    async (name) => {
      const url = system.services.url(name);
      const served = await fetch(`${url}/openapi.json`);
      expect(served.status).toBe(200);
      const committed = JSON.parse(readFileSync(path.join(findRepoRoot(), openApiFile(name)), 'utf8'));
      expect(await served.json()).toEqual(committed);
      const page = await fetch(`${url}/docs`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('swagger');
    },
  );
});
