export {
  provisionInfrastructure,
  wipeLocalData,
  type Infrastructure,
  type InfraProfile,
  type ProvisionMode,
  type ProvisionOptions,
} from './provision';
export {
  installKafka,
  startLocalKafka,
  KAFKA_VERSION,
  type InstallKafkaOptions,
  type LocalKafka,
  type StartLocalKafkaOptions,
} from './local-kafka';
export {
  startLocalPostgres,
  LOCAL_DATABASE_NAME,
  type LocalPostgres,
  type StartLocalPostgresOptions,
} from './local-postgres';
export { findRepoRoot, localCacheDir } from './repo-paths';
export { freePorts, wipeServersFolder } from './processes';
export * from './service-processes';
export { installIntentModel, defaultIntentModelDir, INTENT_MODEL_NAME } from './intent-model';
export {
  ensureMonitoringTools,
  findMonitoringTools,
  startAlertmanager,
  startMonitoringStack,
  startPrometheus,
  type MonitoringServer,
  type MonitoringStack,
  type MonitoringTools,
} from './monitoring';
export { ensureSchemathesis, SCHEMATHESIS_VERSION } from './schemathesis';
