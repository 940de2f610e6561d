import { Module } from '@nestjs/common';
import { DefinitionsPublisher } from './definitions.publisher';
import { WorkflowsController } from './workflows.controller';
import { WorkflowsService } from './workflows.service';

@Module({
  controllers: [WorkflowsController],
  providers: [WorkflowsService, DefinitionsPublisher],
})
export class WorkflowsModule {}
