import type { DataSource } from 'typeorm';

/** Rows deleted per statement: short enough that a purge never holds locks that stall the writers. */
const CHUNK_ROWS = 5_000;

/**
 * Deletes the rows of `table` that match `where` (which may use `$1` for `param`), a chunk at a
 * time, so that retention runs beside ingestion without blocking it; returns how many.
 */
export async function deleteInChunks(
  dataSource: DataSource,
  table: string,
  where: string,
  param: number,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result: [unknown[], number] = await dataSource.query(
      `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${where} LIMIT $2)`,
      [param, CHUNK_ROWS],
    );
    deleted += result[1];
    if (result[1] < CHUNK_ROWS) return deleted;
  }
}
