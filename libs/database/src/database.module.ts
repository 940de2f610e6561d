import { Module, type DynamicModule, type OnModuleInit, Injectable } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { ReadinessRegistry } from '@app/health';
import { reportDatabasePool, type PoolUsage } from '@app/metrics';

export interface DatabaseOptions {
  url: string;
  /** Each service owns one schema; no service reads another's tables. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize: number;
}

/** TypeORM options for a service's schema. Migrations run at start-up; `synchronize` never. */
export function dataSourceOptions(options: DatabaseOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Unqualified names in migrations and queries resolve to the service's own schema.
    extra: { max: options.poolSize, application_name: options.schema, options: `-c search_path=${options.schema}` },
  };
}

/** The migrations table lives in the service's schema, so the schema must exist before TypeORM starts. */
export async function ensureSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

@Injectable()
class DatabaseReadiness implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register({
      name: 'database',
      check: async () => {
        try {
          await this.dataSource.query('SELECT 1');
          return { ready: true, detail: 'SELECT 1 answered' };
        } catch (error) {
          return { ready: false, detail: (error as Error).message };
        }
      },
    });
  }
}

/** Connects a service to PostgreSQL in its own schema, runs its migrations, and reports readiness. */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(options),
          dataSourceFactory: async (typeOrmOptions) => {
            await ensureSchema(options.url, options.schema);
            const dataSource = await new DataSource(typeOrmOptions as DataSourceOptions).initialize();
            // TypeORM's postgres driver keeps its pg Pool as `master` (no replicas configured here).
            reportDatabasePool((dataSource.driver as PostgresDriver).master as PoolUsage, options.poolSize);
            return dataSource;
          },
        }),
      ],
      providers: [DatabaseReadiness],
    };
  }
}
