import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';

/** Serves the process's registry on GET /metrics. */
@Module({ controllers: [MetricsController] })
export class MetricsModule {}
