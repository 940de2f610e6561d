import { Kafka, logLevel } from 'kafkajs';

/**
 * Asks one broker which cluster it belongs to, with no retries: for readiness probes that poll.
 * Throws when the broker does not answer (yet).
 */
export async function describeCluster(broker: string): Promise<{ clusterId: string; brokerCount: number }> {
  const kafka = new Kafka({
    clientId: 'readiness-probe',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return { clusterId: cluster.clusterId, brokerCount: cluster.brokers.length };
  } finally {
    await admin.disconnect();
  }
}
