import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ignore from '@balena/dockerignore';
import { parse } from 'yaml';
import { SERVICES } from '@app/infra';

/**
 * docker-compose.yml and deploy/prometheus/prometheus.yml agree with each other and with the repo.
 * (`docker compose config` needs the compose plugin, which CI does not have; this checks the
 * invariants that matter, not the compose schema.)
 */
const ROOT = path.resolve(__dirname, '../..');

/** The six services and the HTTP port each listens on, is published on and is scraped on (from the code). */
const APP_PORTS: Record<string, number> = SERVICES;
const APPS = Object.keys(APP_PORTS);
const INFRA = ['kafka', 'postgres', 'topics', 'prometheus', 'alertmanager', 'grafana'];

type Service = {
  build?: unknown;
  image?: string;
  command?: string | string[];
  environment?: Record<string, unknown> | string[];
  ports?: (string | number | { target: number; published?: number | string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { type?: string; source?: string; target: string })[];
  healthcheck?: { test?: string | string[] };
};
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown> };
type PrometheusConfig = {
  global?: { scrape_interval?: string };
  rule_files?: string[];
  alerting?: { alertmanagers?: { static_configs?: { targets: string[] }[] }[] };
  scrape_configs: {
    job_name: string;
    scrape_interval?: string;
    metrics_path?: string;
    static_configs?: { targets: string[] }[];
  }[];
};

const readYaml = <T>(file: string): T => parse(readFileSync(path.join(ROOT, file), 'utf8'), { merge: true }) as T;

const compose = readYaml<Compose>('docker-compose.yml');
const prometheus = readYaml<PrometheusConfig>('deploy/prometheus/prometheus.yml');
const services = compose.services;

const commandOf = (service: Service): string[] =>
  typeof service.command === 'string' ? service.command.trim().split(/\s+/) : (service.command ?? []);

const envOf = (service: Service): Record<string, string> => {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value == null ? '' : String(value)]));
};

/** [published, container] of each port mapping, short ("[ip:]published:container[/proto]") or long syntax. */
const portsOf = (service: Service): { published: number; container: number }[] =>
  (service.ports ?? []).map((port) => {
    if (typeof port === 'object')
      return { published: Number(port.published ?? port.target), container: Number(port.target) };
    const parts = String(port)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const container = Number(parts[parts.length - 1]);
    return { published: parts.length > 1 ? Number(parts[parts.length - 2]) : container, container };
  });

const dependsOn = (service: Service): Record<string, string | undefined> => {
  const deps = service.depends_on ?? [];
  return Array.isArray(deps)
    ? Object.fromEntries(deps.map((name) => [name, undefined]))
    : Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep?.condition]));
};

/** Bind mounts as { source (relative to the repo), target }; named volumes are left out. */
const bindMountsOf = (service: Service): { source: string; target: string }[] =>
  (service.volumes ?? []).flatMap((volume) => {
    if (typeof volume === 'object') {
      return volume.type === 'bind' && volume.source ? [{ source: volume.source, target: volume.target }] : [];
    }
    const [source, target] = volume.split(':');
    return source.startsWith('.') || source.startsWith('/') ? [{ source, target }] : [];
  });

const scrapeTargets = (job: string): string[] =>
  prometheus.scrape_configs
    .filter((config) => config.job_name === job)
    .flatMap((config) => (config.static_configs ?? []).flatMap((sc) => sc.targets));

describe('docker-compose.yml', () => {
  it('has every infrastructure and app service', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining([...INFRA, ...APPS]));
  });

  it('runs every Nest application of nest-cli.json, and nothing else as an app', () => {
    const nest = JSON.parse(readFileSync(path.join(ROOT, 'nest-cli.json'), 'utf8')) as {
      projects: Record<string, { type: string }>;
    };
    const nestApps = Object.entries(nest.projects)
      .filter(([, project]) => project.type === 'application')
      .map(([name]) => name);
    expect([...nestApps].sort()).toEqual([...APPS].sort());
  });

  it('builds one image for every app service and the topics job', () => {
    const first = services[APPS[0]];
    expect(first.build).toBeDefined();
    for (const name of [...APPS, 'topics']) {
      expect({ name, build: services[name].build, image: services[name].image }).toEqual({
        name,
        build: first.build,
        image: first.image,
      });
    }
  });

  it.each(APPS)('%s runs its compiled entry point, whose source exists', (name) => {
    expect(commandOf(services[name])).toEqual(['node', `dist/apps/${name}/src/main.js`]);
    expect(existsSync(path.join(ROOT, 'apps', name, 'src', 'main.ts'))).toBe(true);
  });

  it('topics runs the compiled create-topics tool, whose source exists', () => {
    expect(commandOf(services.topics)).toEqual(['node', 'dist/tools/create-topics.js']);
    expect(existsSync(path.join(ROOT, 'tools', 'create-topics.ts'))).toBe(true);
    expect(envOf(services.topics).KAFKA_BROKERS).toBe('kafka:9092');
  });

  it.each(APPS)('%s listens on, publishes and is scraped on the same port', (name) => {
    const port = APP_PORTS[name];
    expect(envOf(services[name]).HTTP_PORT).toBe(String(port));
    expect(portsOf(services[name])).toEqual([{ published: port, container: port }]);
    expect(scrapeTargets(name)).toEqual([`${name}:${port}`]);
  });

  it.each(APPS)('%s reaches Kafka and Postgres on the compose network and binds all interfaces', (name) => {
    expect(envOf(services[name])).toMatchObject({
      KAFKA_BROKERS: 'kafka:9092',
      DATABASE_URL: 'postgres://postgres:postgres@postgres:5432/agent_workflows',
      HTTP_HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
    });
  });

  it.each(['action-dispatcher', 'trigger-matcher', 'api'])(
    '%s sets OUTBOUND_ALLOWED_CIDRS, the one list of the SSRF guard (empty: public addresses only)',
    (name) => {
      expect(envOf(services[name]!).OUTBOUND_ALLOWED_CIDRS).toBe('');
    },
  );

  it.each(APPS)('%s has a liveness healthcheck and starts after Kafka, Postgres and the topics', (name) => {
    expect([services[name].healthcheck?.test ?? []].flat().join(' ')).toContain('/health/live');
    expect(dependsOn(services[name])).toEqual({
      kafka: 'service_healthy',
      postgres: 'service_healthy',
      topics: 'service_completed_successfully',
    });
  });

  it('every depends_on target is a service', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const target of Object.keys(dependsOn(service)))
        expect({ name, target, exists: target in services }).toEqual({ name, target, exists: true });
    }
  });

  it('every bind-mounted host path exists in the repo, and every named volume is declared', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const { source } of bindMountsOf(service)) {
        expect({ name, source, exists: existsSync(path.resolve(ROOT, source)) }).toEqual({
          name,
          source,
          exists: true,
        });
      }
      for (const volume of service.volumes ?? []) {
        const source =
          typeof volume === 'string' ? volume.split(':')[0] : volume.type === 'volume' ? volume.source : undefined;
        if (source === undefined || source.startsWith('.') || source.startsWith('/')) continue;
        expect({ name, volume: source, declared: source in (compose.volumes ?? {}) }).toEqual({
          name,
          volume: source,
          declared: true,
        });
      }
    }
  });
});

describe('deploy/prometheus/prometheus.yml', () => {
  it('scrapes exactly the six services every 15s at /metrics', () => {
    expect(prometheus.global?.scrape_interval).toBe('15s');
    expect(prometheus.scrape_configs.map((config) => config.job_name).sort()).toEqual([...APPS].sort());
    for (const config of prometheus.scrape_configs) {
      expect(config.metrics_path ?? '/metrics').toBe('/metrics');
      expect(config.scrape_interval ?? '15s').toBe('15s');
    }
  });

  it('is the file compose mounts, and its rule files live in a folder of that mount', () => {
    const mount = bindMountsOf(services.prometheus).find(({ target }) => target === '/etc/prometheus');
    expect(path.normalize(mount?.source ?? '')).toBe(path.normalize('./deploy/prometheus'));
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
    expect(existsSync(path.join(ROOT, 'deploy/prometheus/rules'))).toBe(true);
  });

  it('sends alerts to the compose alertmanager on its published port', () => {
    const targets = (prometheus.alerting?.alertmanagers ?? []).flatMap((am) =>
      (am.static_configs ?? []).flatMap((sc) => sc.targets),
    );
    expect(targets).toEqual(['alertmanager:9093']);
    expect(portsOf(services.alertmanager)).toEqual([{ published: 9093, container: 9093 }]);
  });
});

describe('Dockerfile and .dockerignore', () => {
  const context = ignore().add(readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'));

  it('send the image build every file its steps read, and none of the local state', () => {
    // `npm ci` and `npm run build` (tsconfig.build.json: apps, libs, tools, bench), then
    // installIntentModel, which runs Maven on the intent model's project.
    const read = [
      'package.json',
      'package-lock.json',
      'nest-cli.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'apps/api/src/main.ts',
      'libs/infra/src/intent-model.ts',
      'tools/cli.ts',
      'bench/harness.ts',
      'deploy/intent-model/pom.xml',
    ];
    for (const file of read) expect(existsSync(path.join(ROOT, file))).toBe(true);
    expect(read.filter((file) => context.ignores(file))).toEqual([]);
    expect(
      ['node_modules/x', 'dist/x', '.data/x', '.git/x', 'deploy/grafana/x'].filter((file) => !context.ignores(file)),
    ).toEqual([]);
  });
});
