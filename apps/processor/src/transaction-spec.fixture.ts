/** The pipeline's transaction event type as the processor's unit specs use it (rules and enrichment included). */
import { EventTypeSpec } from '@platform/runtime';

export const transactionSpec: EventTypeSpec = {
  name: 'transaction',
  topic: 'events.transaction',
  schemaPath: '',
  subject: 'events.transaction-value',
  partitionKey: 'user_id',
  partitions: 6,
  valueField: 'amount',
  groupBy: 'symbol',
  rules: [
    { field: 'amount', min: 0, exclusiveMin: true },
    { field: 'symbol', oneOfReference: 'symbols' },
  ],
  enrich: [{ field: 'symbol', reference: 'symbols', into: 'sector' }],
};
