import { randomUUID } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { openDatabase } from '@app/database';

class CreateOrders1700000000000 implements MigrationInterface {
  name = 'CreateOrders1700000000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    // Slow enough for replicas that start together to meet here.
    await queryRunner.query('SELECT pg_sleep(0.3)');
    await queryRunner.query('CREATE TABLE orders (id int PRIMARY KEY)');
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE orders');
  }
}

class AddOrderTotal1700000000001 implements MigrationInterface {
  name = 'AddOrderTotal1700000000001';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE orders ADD COLUMN total numeric NOT NULL DEFAULT 0');
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE orders DROP COLUMN total');
  }
}

/** Replicas of a service started together (a deployment, a crash loop) share one schema's migrations. */
describe('openDatabase (real Postgres)', () => {
  it('runs a schema’s migrations once when several replicas start at the same time', async () => {
    const schema = `migrations_${randomUUID().slice(0, 8)}`;
    const open = () =>
      openDatabase({
        url: process.env.DATABASE_URL!,
        schema,
        entities: [],
        migrations: [CreateOrders1700000000000, AddOrderTotal1700000000001],
        poolSize: 2,
      });
    const replicas = await Promise.all([open(), open(), open(), open()]);
    try {
      const [first] = replicas;
      expect(await first!.query('SELECT name FROM migrations ORDER BY id')).toEqual([
        { name: 'CreateOrders1700000000000' },
        { name: 'AddOrderTotal1700000000001' },
      ]);
      await first!.query('INSERT INTO orders (id, total) VALUES (1, 9.5)');
      for (const replica of replicas) {
        expect(await replica.query('SELECT total FROM orders WHERE id = 1')).toEqual([{ total: '9.5' }]);
      }
      // A replica started later finds nothing left to do.
      const later = await open();
      expect(await later.query('SELECT count(*)::int AS count FROM migrations')).toEqual([{ count: 2 }]);
      replicas.push(later);
    } finally {
      await replicas[0]?.query(`DROP SCHEMA "${schema}" CASCADE`);
      await Promise.all(replicas.map((replica) => replica.destroy()));
    }
  });
});
