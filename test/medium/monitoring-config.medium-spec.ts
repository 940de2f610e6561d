import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureMonitoringTools, type MonitoringTools } from '@app/infra';

/**
 * The monitoring configuration under deploy/ is what promtool and amtool (Debian's prometheus and
 * prometheus-alertmanager, installed here when missing) accept, and the alert rules pass their
 * promtool unit tests: each alert fires when it should and stays quiet when it should not.
 */
const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);
const filesIn = (dir: string, suffix: string): string[] =>
  readdirSync(path.join(ROOT, dir))
    .filter((file) => file.endsWith(suffix))
    .map((file) => path.join(ROOT, dir, file));

let tools: MonitoringTools;

beforeAll(async () => {
  tools = await ensureMonitoringTools((line) => process.stdout.write(`${line}\n`));
}, 600_000);

describe('Prometheus rules', () => {
  it('pass promtool check rules', async () => {
    const { stdout } = await run(tools.promtool, ['check', 'rules', ...filesIn('deploy/prometheus/rules', '.yml')]);
    expect(stdout).toMatch(/SUCCESS: \d+ rules found[\s\S]*SUCCESS: \d+ rules found/);
  });

  it('pass their promtool unit tests', async () => {
    const tests = filesIn('deploy/prometheus/tests', '.test.yml');
    expect(tests.length).toBeGreaterThan(0);
    const { stdout } = await run(tools.promtool, ['test', 'rules', ...tests], { cwd: ROOT });
    expect(stdout).toContain('SUCCESS');
    expect(stdout).not.toContain('FAILED');
  });

  it('load from a configuration promtool accepts', async () => {
    const { stdout } = await run(tools.promtool, ['check', 'config', 'deploy/prometheus/prometheus.yml'], {
      cwd: ROOT,
    });
    expect(stdout).toContain('SUCCESS');
  });
});

describe('Alertmanager configuration', () => {
  const config = path.join(ROOT, 'deploy/alertmanager/alertmanager.yml');

  it('passes amtool check-config', async () => {
    const { stdout } = await run(tools.amtool, ['check-config', config]);
    expect(stdout).toContain('SUCCESS');
  });

  it.each([
    [{ alertname: 'AwWorkflowErrorRateHigh', severity: 'critical', tenant: 'acme', workflow: 'wf-1' }, 'oncall-pager'],
    [{ alertname: 'AwWebhookEndpointDisabled', severity: 'warning', tenant: 'acme', workflow: 'wf-1' }, 'team-tickets'],
  ])('routes %j to %s', async (labels, receiver) => {
    const args = Object.entries(labels).map(([name, value]) => `${name}=${value}`);
    await expect(
      run(tools.amtool, [
        'config',
        'routes',
        'test',
        `--config.file=${config}`,
        `--verify.receivers=${receiver}`,
        ...args,
      ]),
    ).resolves.toBeDefined();
  });
});
