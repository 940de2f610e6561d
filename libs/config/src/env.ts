import { hostname } from 'node:os';
import Ajv from 'ajv';
import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { DEFAULT_UNSURE_MARGIN } from '@app/domain';

/**
 * Variables every service reads. Defaults are the embedded development setup that `npm start`
 * provisions; production deployments set KAFKA_BROKERS and DATABASE_URL.
 */
export const BaseEnvSchema = Type.Object({
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info', description: 'pino log level.' },
  ),
  HTTP_HOST: Type.String({ default: '127.0.0.1', description: 'Interface the HTTP server binds to.' }),
  KAFKA_BROKERS: Type.String({
    minLength: 1,
    default: '127.0.0.1:19092',
    description: 'Comma-separated bootstrap brokers.',
  }),
  KAFKA_TOPIC_PARTITIONS: Type.Integer({
    minimum: 1,
    default: 6,
    description: 'Partitions of each topic when the engine creates it.',
  }),
  KAFKA_PARTITIONS_CONCURRENTLY: Type.Integer({
    minimum: 1,
    maximum: 64,
    default: 1,
    description: 'Partitions a consumer processes at once; their commits share one Kafka transaction (group commit).',
  }),
  DATABASE_URL: Type.String({
    minLength: 1,
    default: 'postgres://postgres:postgres@127.0.0.1:15432/agent_workflows',
    description: 'PostgreSQL connection URL.',
  }),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'Connections per service.' }),
  INSTANCE_ID: Type.String({
    minLength: 1,
    default: hostname(),
    description: 'Stable name of this instance; part of Kafka transactional ids.',
  }),
  METRICS_WORKFLOWS_PER_TENANT: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 20,
    description:
      'Workflows of a tenant that get their own `workflow` metric label (its most executed); the rest share `other`.',
  }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    maximum: 300_000,
    default: 15_000,
    description: 'How long a service may take to drain on SIGTERM before it exits anyway.',
  }),
});

/**
 * Loop protection of the engine's firing policy: trigger-matcher applies it live, history's
 * backtests replay conversations with it, so both read the same variable.
 */
export const FiringLimitEnv = {
  MAX_FIRINGS_PER_CONVERSATION_PER_MINUTE: Type.Integer({
    minimum: 1,
    default: 5,
    description: 'Loop protection: workflows one conversation may fire per minute.',
  }),
};

/**
 * When intent matching hands a message over to a decision provider (trigger-matcher), and what the
 * api's preview reports as unsure: the same margin, so that the preview says what live would do.
 */
export const DecisionCascadeEnv = {
  DECISION_PROVIDER_UNSURE_MARGIN: Type.Number({
    minimum: 0,
    maximum: 1,
    default: DEFAULT_UNSURE_MARGIN,
    description:
      'The provider is asked only when the closest intent workflow is this close below its threshold, or fires with a runner-up within a third of it; 1 asks whenever two workflows come near.',
  }),
};

/**
 * The SSRF guard's exemptions: action-dispatcher calls endpoints through it, trigger-matcher its
 * decision provider, and the api refuses at once a workflow URL whose address it would refuse.
 */
export const OutboundAllowListEnv = {
  OUTBOUND_ALLOWED_CIDRS: Type.String({
    default: '',
    description:
      'Comma-separated subnets that outbound calls may reach despite the SSRF policy (e.g. 127.0.0.0/8 for local development). Empty in production.',
  }),
};

/** Adds a service's own variables (with its HTTP port default) to the base ones. */
export function serviceEnvSchema<P extends TProperties>(defaultPort: number, properties: P) {
  return Type.Composite([
    BaseEnvSchema,
    Type.Object({
      HTTP_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: defaultPort, description: 'HTTP port.' }),
    }),
    Type.Object(properties),
  ]);
}

/** Thrown at start-up when the environment is invalid; lists every bad variable at once. */
export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigurationError';
  }
}

// Coerces the strings of process.env into the schema's integers and booleans, and fills defaults.
const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true, strict: false });

/** Validates the environment once into a typed, frozen object. */
export function loadConfig<S extends TObject>(schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<Static<S>> {
  const candidate: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties)) {
    const value = env[key];
    if (value === undefined || (value === '' && !acceptsEmpty(property))) continue;
    candidate[key] = value;
  }
  const validate = ajv.compile(schema);
  if (!validate(candidate)) {
    const problems = (validate.errors ?? []).map((error) => {
      const key = error.instancePath.replace(/^\//, '') || String(error.params.missingProperty ?? '');
      return `${key}: ${error.message ?? 'is invalid'} (got ${JSON.stringify(env[key])})`;
    });
    throw new ConfigurationError(problems);
  }
  return Object.freeze(candidate as Static<S>);
}

/**
 * `VAR=` means "empty" for a text variable that documents an empty value (`INTENT_MODEL_DIR=`
 * switches the model off, `WEBHOOK_RETRY_SCHEDULE=` retries nothing); for any other variable an
 * empty value is taken as unset, so its default applies.
 */
function acceptsEmpty(property: TSchema): boolean {
  return property.type === 'string' && ajv.validate(property, '');
}

export type BaseConfig = Static<typeof BaseEnvSchema> & { HTTP_PORT: number };

/** A comma-separated variable as a list, blanks dropped. */
export function listOf(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function kafkaBrokers(config: Pick<BaseConfig, 'KAFKA_BROKERS'>): string[] {
  return listOf(config.KAFKA_BROKERS);
}
