export * from './guarded-http-client';
