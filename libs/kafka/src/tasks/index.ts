export * from './ports';
export * from './task-manager';
export * from './kafkajs-ports';
export * from './heartbeat';
