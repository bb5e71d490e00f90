import { createKafka } from '@platform/kafka';
import { KafkaAdminGateway } from './src/kafka/kafka-admin';
import { RangeReader } from './src/kafka/range-reader';
import { createLogger } from '@platform/observability';
async function main() {
  createLogger('rr', 'debug');
  const kafka = createKafka({ brokers: ['127.0.0.1:9092'], clientId: 'rr' });
  const admin = new KafkaAdminGateway(kafka, 5000);
  const offsets = await admin.offsets('events.iot.sensor');
  console.log(offsets);
  const reader = new RangeReader(kafka, admin, 'rr-test');
  const t = Date.now();
  const out = await reader.read('events.iot.sensor', offsets.map(p => ({ partition: p.partition, from: p.high > 3n ? p.high - 3n : p.low, to: p.high })), 8000).catch(e => { console.log('ERR', e.message); return new Map(); });
  console.log(Date.now() - t, [...out].map(([p, l]) => [p, l.map((r: any) => String(r.offset))]));
  await admin.close();
}
main();
