export * from './database.module';
export * from './delete-in-chunks';
export * from './upsert-rounds';
export * from './data-exception';
export * from './hourly-retention';
