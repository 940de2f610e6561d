import { Module } from '@nestjs/common';
import { DefinitionsPublisher } from './definitions.publisher';
import { WorkflowsController } from './workflows.controller';
import { WorkflowTestsService } from './workflow-tests.service';
import { WorkflowsService } from './workflows.service';

@Module({
  controllers: [WorkflowsController],
  providers: [WorkflowsService, WorkflowTestsService, DefinitionsPublisher],
})
export class WorkflowsModule {}
