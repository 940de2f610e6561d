import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { ReadinessRegistry } from './readiness';

/**
 * `/health/live`: the process is up (restart it if not).
 * `/health` and `/health/ready`: every dependency is usable (route traffic to it only then; 503 if not).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: ReadinessRegistry,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get()
  @HealthCheck()
  ready(@Res({ passthrough: true }) response: Response) {
    return this.runReadiness(response);
  }

  @Get('ready')
  @HealthCheck()
  readyAlias(@Res({ passthrough: true }) response: Response) {
    return this.runReadiness(response);
  }

  /**
   * Unready answers 503 with every check's state, so that whoever probes sees what is down (the
   * error filter would answer a bare "Service Unavailable" and log each probe as a failed request).
   */
  private async runReadiness(response: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check(
        this.readiness.list().map((readinessCheck) => async () => {
          const session = this.indicators.check(readinessCheck.name);
          const { ready, detail } = await readinessCheck.check();
          return ready ? session.up({ detail }) : session.down({ detail });
        }),
      );
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
