/**
 * Which event type a `{topic}` path segment means. The segment may be the Kafka topic
 * (`events.iot.sensor`) or the event type (`iot.sensor`); both name the same type, and answers
 * always report the Kafka topic. A topic name wins if it ever equals another type's name.
 */
import { EventTypeSpec, PipelineConfig } from '@platform/runtime';

export class TopicDirectory {
  private readonly byName = new Map<string, EventTypeSpec>();

  constructor(pipeline: PipelineConfig) {
    for (const type of pipeline.eventTypes) this.byName.set(type.topic, type);
    for (const type of pipeline.eventTypes) if (!this.byName.has(type.name)) this.byName.set(type.name, type);
  }

  resolve(segment: string): EventTypeSpec | undefined {
    return this.byName.get(segment);
  }

  /** Names a scope may use for this type: the topic and the event type name. */
  static scopeNames(type: EventTypeSpec): string[] {
    return [type.topic, type.name];
  }
}
