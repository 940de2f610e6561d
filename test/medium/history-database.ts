import type { DataSource } from 'typeorm';
import { openDatabase } from '@app/database';
import { ConversationEventsRepository } from '../../apps/history/src/conversations/conversation-events.repository';
import { ExecutionsRepository } from '../../apps/history/src/executions/executions.repository';
import { HISTORY_SCHEMA } from '../../apps/history/src/history-schema';

/** history's tables, migrated, on the provisioned PostgreSQL. */
async function openHistoryDatabase(): Promise<DataSource> {
  return openDatabase({ url: process.env.DATABASE_URL!, ...HISTORY_SCHEMA, poolSize: 2 });
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
