import { DataSource } from 'typeorm';
import { dataSourceOptions, ensureSchema } from '@app/database';
import { ConversationEventEntity } from '../../apps/history/src/conversations/conversation-event.entity';
import { ConversationEventsRepository } from '../../apps/history/src/conversations/conversation-events.repository';
import { ExecutionEntity } from '../../apps/history/src/executions/execution.entity';
import { ExecutionsRepository } from '../../apps/history/src/executions/executions.repository';
import { CreateExecutions1764000000002 } from '../../apps/history/src/migrations/1764000000002-create-executions';
import { KeepReplayData1764000000003 } from '../../apps/history/src/migrations/1764000000003-keep-replay-data';
import { CreateConversationEvents1764200000000 } from '../../apps/history/src/migrations/1764200000000-create-conversation-events';
import { IndexExecutionLog1764300000000 } from '../../apps/history/src/migrations/1764300000000-index-execution-log';

/** history's tables, migrated, on the provisioned PostgreSQL. */
async function openHistoryDatabase(): Promise<DataSource> {
  const url = process.env.DATABASE_URL!;
  await ensureSchema(url, 'history');
  return new DataSource(
    dataSourceOptions({
      url,
      schema: 'history',
      entities: [ExecutionEntity, ConversationEventEntity],
      migrations: [
        CreateExecutions1764000000002,
        KeepReplayData1764000000003,
        CreateConversationEvents1764200000000,
        IndexExecutionLog1764300000000,
      ],
      poolSize: 2,
    }),
  ).initialize();
}

/** history's execution log and the repository over it. */
export async function openExecutionLog(): Promise<{ dataSource: DataSource; repository: ExecutionsRepository }> {
  const dataSource = await openHistoryDatabase();
  return { dataSource, repository: new ExecutionsRepository(dataSource) };
}

/** history's stored conversation events and the repository over them. */
export async function openConversationEvents(): Promise<{
  dataSource: DataSource;
  repository: ConversationEventsRepository;
}> {
  const dataSource = await openHistoryDatabase();
  return { dataSource, repository: new ConversationEventsRepository(dataSource) };
}
