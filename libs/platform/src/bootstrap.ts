import { NestFactory } from '@nestjs/core';
import type { DynamicModule } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Static, TObject } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { ConfigurationError, loadConfig, type BaseConfig } from '@app/config';
import { ConsumerAssignment, KAFKA_CLIENT, KafkaConsumerTransport } from '@app/kafka';
import { initMetrics } from '@app/metrics';
import { HttpErrorFilter } from './error.filter';
import { JSON_MEDIA_TYPES } from './request-body';
import { PinoNestLogger, createLogger } from './logger';
import { openApiDocument, serveOpenApi, type OpenApiInfo } from './openapi';
import { methodNotAllowed } from './method-not-allowed';
import { RefuseNulCharactersPipe } from './nul-characters.pipe';
import { ReadinessRegistry } from '@app/health';

export interface ServiceSpec<S extends TObject> {
  name: string;
  /** The service's environment schema (serviceEnvSchema); validated once at start-up. */
  envSchema: S;
  /** Rules across variables that the schema cannot state: any problem refuses to start, as an invalid variable does. */
  configProblems?: (config: Static<S>) => string[];
  /** The root module, built from the validated config. */
  module: (config: Static<S> & BaseConfig, logger: Logger) => DynamicModule;
  /** Topics this service consumes through `@EventPattern` handlers, if any. */
  consumer?: {
    groupId: string;
    topics: readonly string[];
    transactional: boolean;
    coPartitioned?: boolean;
    /** Commit in the background while the next batches are processed (KafkaConsumerTransport). */
    pipelineCommits?: boolean;
  };
  /** Largest accepted HTTP JSON body. */
  bodyLimit?: string;
  /** Serve the OpenAPI document of the service's HTTP API at /openapi.json and /docs. */
  openApi?: OpenApiInfo;
}

/**
 * The whole of a service's `main.ts`: validate the environment, then start HTTP (health, metrics,
 * its API), its Kafka consumer, and graceful shutdown. A failed start exits 1 with a clear message
 * (an invalid variable, an unreachable broker).
 */
export function runService<S extends TObject>(spec: ServiceSpec<S>): void {
  start(spec).catch((error: unknown) => {
    process.stderr.write(`${spec.name} failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

async function start<S extends TObject>(spec: ServiceSpec<S>): Promise<void> {
  const config = loadConfig(spec.envSchema) as Static<S> & BaseConfig;
  const problems = spec.configProblems?.(config) ?? [];
  if (problems.length > 0) throw new ConfigurationError(problems);
  const logger = createLogger(spec.name, config.LOG_LEVEL);
  initMetrics(spec.name, { workflowsPerTenant: config.METRICS_WORKFLOWS_PER_TENANT });
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));

  const app = await NestFactory.create<NestExpressApplication>(spec.module(config, logger), {
    logger: new PinoNestLogger(logger),
    bodyParser: false,
  });
  // Bodies stay bytes: controllers parse them with the same contract functions as Kafka consumers,
  // so a bad body gets the same error codes over HTTP as on the DLQ.
  app.useBodyParser('raw', { limit: spec.bodyLimit ?? '256kb', type: JSON_MEDIA_TYPES });
  app.useGlobalFilters(new HttpErrorFilter(logger));
  app.useGlobalPipes(new RefuseNulCharactersPipe());
  exitOnSignals(app, logger, config.SHUTDOWN_TIMEOUT_MS);
  // Before init: init adds the router's not-found handler, behind which no route would be reached.
  if (spec.openApi) {
    const document = openApiDocument(app, spec.openApi);
    serveOpenApi(app, document);
    app.use(methodNotAllowed(document));
  }

  // Lifecycle hooks first (migrations, materialised views catching up), then consumption.
  await app.init();

  if (spec.consumer) {
    const transport = new KafkaConsumerTransport({
      kafka: app.get(KAFKA_CLIENT),
      groupId: spec.consumer.groupId,
      topics: spec.consumer.topics,
      logger,
      transactionalId: spec.consumer.transactional ? `${spec.name}-${config.INSTANCE_ID}` : undefined,
      coPartitioned: spec.consumer.coPartitioned,
      pipelineCommits: spec.consumer.pipelineCommits,
      partitionsConcurrently: config.KAFKA_PARTITIONS_CONCURRENTLY,
      assignment: app.get(ConsumerAssignment),
    });
    app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
    app.get(ReadinessRegistry).register({ name: 'kafka-consumer', check: () => transport.readiness() });
    await app.startAllMicroservices();
  }

  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.info({ url: `http://${config.HTTP_HOST}:${config.HTTP_PORT}` }, `${spec.name} listening`);
}

/**
 * SIGTERM/SIGINT: close the app (consumers leave their group after the batch in flight, producers
 * flush, pools close, shutdown hooks run), then exit 0; exit 1 if that fails or takes too long.
 * A service started with an IPC channel (by `startServices`: `npm start`, tests, benchmarks) does
 * the same when that channel closes: its supervisor died, even of a SIGKILL that let it clean
 * nothing up, and a service left running would hold its port and consume for no one.
 */
function exitOnSignals(app: NestExpressApplication, logger: Logger, timeoutMs: number): void {
  let closing = false;
  const shutDown = (reason: NodeJS.Signals | 'supervisor gone') => {
    if (closing) return;
    closing = true;
    logger.info({ reason }, 'shutting down');
    const exit = (code: number) => {
      logger.flush();
      process.exit(code);
    };
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long; exiting');
      exit(1);
    }, timeoutMs).unref();
    app.close().then(
      () => {
        logger.info('stopped');
        exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', shutDown);
  process.on('SIGINT', shutDown);
  if (process.channel) {
    process.once('disconnect', () => shutDown('supervisor gone'));
    // The channel is only watched: it must not keep a service alive that is otherwise done.
    process.channel.unref();
  }
}
