import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
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
  ready() {
    return this.runReadiness();
  }

  @Get('ready')
  @HealthCheck()
  readyAlias() {
    return this.runReadiness();
  }

  private runReadiness() {
    return this.health.check(
      this.readiness.list().map((readinessCheck) => async () => {
        const session = this.indicators.check(readinessCheck.name);
        const { ready, detail } = await readinessCheck.check();
        return ready ? session.up({ detail }) : session.down({ detail });
      }),
    );
  }
}
