import { ConversationEventEntity } from './conversations/conversation-event.entity';
import { ExecutionEntity } from './executions/execution.entity';
import { CreateExecutions1764000000002 } from './migrations/1764000000002-create-executions';
import { KeepReplayData1764000000003 } from './migrations/1764000000003-keep-replay-data';
import { CreateConversationEvents1764200000000 } from './migrations/1764200000000-create-conversation-events';
import { IndexExecutionLog1764300000000 } from './migrations/1764300000000-index-execution-log';
import { MarkPreviewConversationEvents1764400000000 } from './migrations/1764400000000-mark-preview-conversation-events';

/** history's PostgreSQL schema: its tables and the migrations that make them, in order. */
export const HISTORY_SCHEMA = {
  schema: 'history',
  entities: [ExecutionEntity, ConversationEventEntity],
  migrations: [
    CreateExecutions1764000000002,
    KeepReplayData1764000000003,
    CreateConversationEvents1764200000000,
    IndexExecutionLog1764300000000,
    MarkPreviewConversationEvents1764400000000,
  ],
};
