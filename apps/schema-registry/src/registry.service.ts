/**
 * The registry's operations, answered from the schemas log's state. Reads that miss first catch up
 * with the log (another instance may just have written); writes go through the log's write protocol.
 */
import { Inject, Injectable } from '@nestjs/common';
import { CompatibilityLevel } from './compatibility/avro-compatibility';
import {
  compatibilityMessages,
  holdsSchema,
  parseRequestSchema,
  parseVersionSpec,
  planDeleteCompatibility,
  planDeleteSubject,
  planDeleteVersion,
  planRegister,
  planSetCompatibility,
  planSetMode,
  SchemaRequest,
} from './domain/registry-commands';
import { Errors, RegistryError } from './domain/registry-errors';
import { Mode, RegistryState } from './domain/registry-state';
import { SchemaReference, SchemaValue } from './domain/store-records';
import { SchemaLog } from './store/schema-log';

import { DEFAULT_SCHEMA_LIMITS, SchemaLimits } from './http/request-parsing';

export const SCHEMA_LOG = Symbol('SCHEMA_LOG');
export const SCHEMA_LIMITS = Symbol('SCHEMA_LIMITS');

export interface VersionResponse {
  subject: string;
  version: number;
  id: number;
  schema: string;
  references?: SchemaReference[];
}

export interface SchemaByIdResponse {
  schema: string;
  references?: SchemaReference[];
  maxId?: number;
}

export interface CompatibilityResponse {
  is_compatible: boolean;
  messages?: string[];
}

function withReferences<T extends object>(body: T, references: SchemaReference[]): T & { references?: SchemaReference[] } {
  return references.length > 0 ? { ...body, references } : body;
}

function toVersionResponse(value: SchemaValue): VersionResponse {
  return withReferences({ subject: value.subject, version: value.version, id: value.id, schema: value.schema }, value.references);
}

@Injectable()
export class RegistryService {
  constructor(
    @Inject(SCHEMA_LOG) private readonly log: SchemaLog,
    /** Size and nesting bounds for one schema in a request. */
    @Inject(SCHEMA_LIMITS) readonly limits: SchemaLimits = DEFAULT_SCHEMA_LIMITS,
  ) {}

  private get state(): RegistryState {
    return this.log.state;
  }

  /** Answers from local state; on a not-found answer, catches up with the log once and asks again. */
  private async read<T>(answer: (state: RegistryState) => T): Promise<T> {
    try {
      return answer(this.state);
    } catch (error) {
      if (!(error instanceof RegistryError) || error.status !== 404) throw error;
      await this.log.catchUp();
      return answer(this.state);
    }
  }

  private static liveVersion(state: RegistryState, subject: string, rawVersion: string, includeDeleted: boolean): SchemaValue {
    const spec = parseVersionSpec(rawVersion);
    if (state.versionsOf(subject, includeDeleted).length === 0) throw Errors.subjectNotFound(subject);
    const value = spec === 'latest' ? state.latest(subject, includeDeleted) : state.getVersion(subject, spec);
    if (!value || (value.deleted && !includeDeleted)) throw Errors.versionNotFound(spec);
    return value;
  }

  listSubjects(includeDeleted: boolean, prefix: string | undefined): string[] {
    return this.state.subjectNames(includeDeleted).filter((subject) => !prefix || subject.startsWith(prefix));
  }

  listVersions(subject: string, includeDeleted: boolean): Promise<number[]> {
    return this.read((state) => {
      const versions = state.versionsOf(subject, includeDeleted);
      if (versions.length === 0) throw Errors.subjectNotFound(subject);
      return versions.map((value) => value.version);
    });
  }

  getVersion(subject: string, rawVersion: string, includeDeleted: boolean): Promise<VersionResponse> {
    return this.read((state) => toVersionResponse(RegistryService.liveVersion(state, subject, rawVersion, includeDeleted)));
  }

  referencedBy(subject: string, rawVersion: string): Promise<number[]> {
    return this.read((state) => {
      const value = RegistryService.liveVersion(state, subject, rawVersion, true);
      return state.referencedBy(value.subject, value.version);
    });
  }

  register(
    subject: string,
    request: SchemaRequest,
    normalize: boolean,
  ): Promise<{ id: number; version: number; subject: string; schema: string; references?: SchemaReference[] }> {
    return this.log
      .write((state) => planRegister(state, subject, request, normalize))
      .then((registered) =>
        withReferences({ id: registered.id, version: registered.version, subject, schema: registered.schema }, registered.references),
      );
  }

  /** POST /subjects/{subject}: which version of the subject holds this schema. */
  lookup(subject: string, request: SchemaRequest, normalize: boolean, includeDeleted: boolean): Promise<VersionResponse> {
    return this.read((state) => {
      const versions = state.versionsOf(subject, includeDeleted);
      if (versions.length === 0) throw Errors.subjectNotFound(subject);
      const parsed = parseRequestSchema(state, request);
      const found = [...versions].reverse().find((value) => holdsSchema(value, parsed, request.references, normalize));
      if (!found) throw Errors.schemaNotFound('Schema not found');
      return toVersionResponse(found);
    });
  }

  deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.log.write((state) => planDeleteSubject(state, subject, permanent));
  }

  deleteVersion(subject: string, rawVersion: string, permanent: boolean): Promise<number> {
    const spec = parseVersionSpec(rawVersion);
    return this.log.write((state) => planDeleteVersion(state, subject, spec, permanent));
  }

  schemaById(id: number, fetchMaxId: boolean): Promise<SchemaByIdResponse> {
    return this.read((state) => {
      const value = state.schemaById(id);
      if (!value) throw Errors.schemaNotFound(`Schema ${id} not found`);
      const body = withReferences({ schema: value.schema } as SchemaByIdResponse, value.references);
      return fetchMaxId ? { ...body, maxId: state.maxId() } : body;
    });
  }

  usagesOfId(id: number, includeDeleted: boolean): Promise<Array<{ subject: string; version: number }>> {
    return this.read((state) => {
      if (!state.schemaById(id)) throw Errors.schemaNotFound(`Schema ${id} not found`);
      return state.usagesOfId(id, includeDeleted);
    });
  }

  /**
   * Tests a schema against one version (a number or latest) or, with `rawVersion` undefined, against
   * the versions the subject's level covers. A subject without versions accepts anything, as
   * Confluent does for `latest`; a named version that does not exist is 40401/40402.
   */
  testCompatibility(
    subject: string,
    rawVersion: string | undefined,
    request: SchemaRequest,
    verbose: boolean,
  ): Promise<CompatibilityResponse> {
    return this.read((state) => {
      const spec = rawVersion === undefined ? undefined : parseVersionSpec(rawVersion);
      const live = state.versionsOf(subject, false);
      let against: SchemaValue[];
      if (spec === undefined || (spec === 'latest' && live.length === 0)) {
        against = live;
      } else {
        against = [RegistryService.liveVersion(state, subject, String(spec), false)];
      }
      const level = state.effectiveCompatibility(subject);
      const messages = compatibilityMessages(state, level, parseRequestSchema(state, request).model, against);
      return verbose ? { is_compatible: messages.length === 0, messages } : { is_compatible: messages.length === 0 };
    });
  }

  globalCompatibility(): { compatibilityLevel: CompatibilityLevel } {
    return { compatibilityLevel: this.state.globalCompatibility() };
  }

  subjectCompatibility(subject: string, defaultToGlobal: boolean): Promise<{ compatibilityLevel: CompatibilityLevel }> {
    return this.read((state) => {
      const level = state.subjectCompatibility(subject) ?? (defaultToGlobal ? state.globalCompatibility() : undefined);
      if (!level) throw Errors.subjectConfigNotFound(subject);
      return { compatibilityLevel: level };
    });
  }

  setCompatibility(subject: string | null, level: CompatibilityLevel): Promise<{ compatibility: CompatibilityLevel }> {
    return this.log.write(() => planSetCompatibility(subject, level));
  }

  deleteCompatibility(subject: string | null): Promise<{ compatibilityLevel: CompatibilityLevel }> {
    return this.log.write((state) => planDeleteCompatibility(state, subject));
  }

  mode(): { mode: Mode } {
    return { mode: this.state.mode() };
  }

  setMode(mode: Mode): Promise<{ mode: Mode }> {
    return this.log.write(() => planSetMode(mode));
  }
}
