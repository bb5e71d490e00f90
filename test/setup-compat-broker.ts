// The broker-compatibility project (jest.config.js): the same tests, pointed at a second broker that
// runs another Kafka version (KAFKA_COMPAT_BROKERS), before any module reads KAFKA_BROKERS.
const compat = process.env.KAFKA_COMPAT_BROKERS;
if (!compat) throw new Error('KAFKA_COMPAT_BROKERS is not set: the broker-compatibility project needs the address of its broker');
process.env.KAFKA_BROKERS = compat;
export {};
