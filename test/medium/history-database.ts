import { DataSource } from 'typeorm';
import { dataSourceOptions, ensureSchema } from '@app/database';
import { ExecutionEntity } from '../../apps/history/src/executions/execution.entity';
import { ExecutionsRepository } from '../../apps/history/src/executions/executions.repository';
import { CreateExecutions1764000000002 } from '../../apps/history/src/migrations/1764000000002-create-executions';
import { KeepReplayData1764000000003 } from '../../apps/history/src/migrations/1764000000003-keep-replay-data';
import { IndexExecutionLog1764300000000 } from '../../apps/history/src/migrations/1764300000000-index-execution-log';

/** history's execution tables, migrated, on the provisioned PostgreSQL, and the repository over them. */
export async function openExecutionLog(): Promise<{ dataSource: DataSource; repository: ExecutionsRepository }> {
  const url = process.env.DATABASE_URL!;
  await ensureSchema(url, 'history');
  const dataSource = await new DataSource(
    dataSourceOptions({
      url,
      schema: 'history',
      entities: [ExecutionEntity],
      migrations: [CreateExecutions1764000000002, KeepReplayData1764000000003, IndexExecutionLog1764300000000],
      poolSize: 2,
    }),
  ).initialize();
  return { dataSource, repository: new ExecutionsRepository(dataSource) };
}
