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

/** TypeORM options for a service's schema. Migrations run at start-up (openDatabase); `synchronize` never. */
function dataSourceOptions(options: DatabaseOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Unqualified names in migrations and queries resolve to the service's own schema.
    extra: { max: options.poolSize, application_name: options.schema, options: `-c search_path=${options.schema}` },
  };
}

/**
 * A service's database, ready: its schema created and its migrations run, by one process at a
 * time. Replicas that start together (a deployment, a crash loop) would otherwise run the same
 * migrations at once, and all but one fail (TypeORM takes no lock): each holds a PostgreSQL
 * advisory lock named after the schema while it creates the schema and migrates, and the others
 * wait for it, then find nothing left to do.
 */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  const dataSource = new DataSource(dataSourceOptions(options));
  // The lock belongs to a session: one connection of its own holds it from lock to unlock.
  const lock = new Client({ connectionString: options.url });
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`agent-workflows/migrations/${options.schema}`]);
    // The migrations table lives in the service's schema, so the schema comes first.
    await lock.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema.replace(/"/g, '""')}"`);
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    throw error;
  } finally {
    // Ending the session releases its advisory locks.
    await lock.end();
  }
  return dataSource;
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
          dataSourceFactory: async () => {
            const dataSource = await openDatabase(options);
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
