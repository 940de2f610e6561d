import { Module } from '@nestjs/common';
import { AdminApiKeysController, ApiKeysController } from './api-keys.controller';
import { ApiKeysPublisher } from './api-keys.publisher';
import { ApiKeysService } from './api-keys.service';

@Module({
  controllers: [AdminApiKeysController, ApiKeysController],
  providers: [ApiKeysService, ApiKeysPublisher],
})
export class ApiKeysModule {}
