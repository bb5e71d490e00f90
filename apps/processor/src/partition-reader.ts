export { partitionConsumer, readPartitionsToEnd } from '@platform/kafka';
