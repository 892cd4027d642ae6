export * from './request.js';
export * from './record.js';
export * from './job-queue.js';
