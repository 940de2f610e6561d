export * from './logger';
export * from './error.filter';
export * from './platform.module';
export * from './bootstrap';
export * from './tenant.decorator';
export * from './request-body';
export * from './query-params';
