/** Shared by the registry e2e tests: a registry on its own schemas topic, and raw HTTP calls. */
import { withAdmin } from '@platform/kafka';
import { testKafka, TEST_BROKERS, uniqueName } from '@platform/testing';
import { RunningSchemaRegistry, startSchemaRegistry } from '../../apps/schema-registry/src/bootstrap';

export const VND = 'application/vnd.schemaregistry.v1+json';

export function freshSchemasTopic(): string {
  return uniqueName('_schemas.e2e');
}

export function startRegistry(schemasTopic: string): Promise<RunningSchemaRegistry> {
  return startSchemaRegistry({ port: 0, host: '127.0.0.1', kafkaBrokers: TEST_BROKERS, schemasTopic });
}

export async function deleteTopic(topic: string): Promise<void> {
  await withAdmin(testKafka('registry-e2e-cleanup'), (admin) => admin.deleteTopics({ topics: [topic] })).catch(() => undefined);
}

export interface HttpAnswer {
  status: number;
  contentType: string | null;
  body: any;
}

/** One HTTP call; `body` is sent as given when it is a string, else as JSON. */
export async function call(url: string, method: string, path: string, body?: unknown, contentType = VND): Promise<HttpAnswer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, contentType: response.headers.get('content-type'), body: parsed };
}

export const recordSchema = (name: string, fields: unknown[]) => ({ type: 'record', name, namespace: 'e2e', fields });
