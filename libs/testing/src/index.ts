export * from './webhook-receiver';
export * from './wait-for';
export * from './events';
export * from './metrics-probe';
export * from './fake-chat-completions';
export * from './system-under-test';
export * from './tenant-access';
