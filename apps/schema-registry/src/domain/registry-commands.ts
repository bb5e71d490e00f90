/**
 * What each write does to the registry, decided against a caught-up state: the records to append
 * (empty when nothing changes) and the answer to give once they are applied. Pure: no I/O. A plan
 * that refuses throws the Confluent error and writes nothing.
 */
import { AvroNode } from '../avro/avro-model';
import { normalizedSchemaText, ParsedRegistrySchema, parseRegistrySchema } from '../avro/registry-schema';
import { CompatibilityLevel, compatibilityProblems, describeProblem, PreviousVersion } from '../compatibility/avro-compatibility';
import { Errors } from './registry-errors';
import { Mode, RegistryState } from './registry-state';
import { configKey, ID_HIGH_WATER_KEY, modeKey, SchemaReference, schemaKey, SchemaValue, StoreRecord } from './store-records';

export interface SchemaRequest {
  schema: string;
  references: SchemaReference[];
}

export interface Plan<T> {
  records: StoreRecord[];
  result: T;
}

export type VersionSpec = number | 'latest';

const MAX_VERSION = 2 ** 31 - 1;

/** A version path segment: a positive number, `latest` or -1 (also latest); anything else is 42202. */
export function parseVersionSpec(raw: string): VersionSpec {
  if (raw === 'latest' || raw === '-1') return 'latest';
  if (!/^\d+$/.test(raw)) throw Errors.invalidVersion(raw);
  const version = Number(raw);
  if (version < 1 || version > MAX_VERSION) throw Errors.invalidVersion(raw);
  return version;
}

/** The schema texts a reference list needs, dependencies first, each once. */
export function referencedSchemaTexts(state: RegistryState, references: SchemaReference[], seen = new Set<string>()): string[] {
  const texts: string[] = [];
  for (const reference of references) {
    const marker = `${reference.subject}\u0000${reference.version}`;
    if (seen.has(marker)) continue;
    seen.add(marker);
    const target =
      reference.version === -1 ? state.latest(reference.subject, false) : state.getVersion(reference.subject, reference.version);
    if (!target)
      throw Errors.invalidSchema(
        `reference '${reference.name}' points to subject '${reference.subject}' version ${reference.version}, which does not exist`,
      );
    texts.push(...referencedSchemaTexts(state, target.references, seen), target.schema);
  }
  return texts;
}

export function parseRequestSchema(state: RegistryState, request: SchemaRequest): ParsedRegistrySchema {
  return parseRegistrySchema(request.schema, referencedSchemaTexts(state, request.references));
}

const models = new WeakMap<SchemaValue, AvroNode | null>();

/** The model of a stored version (cached; null when it no longer parses, e.g. a reference was hard-deleted). */
export function storedModel(state: RegistryState, value: SchemaValue): AvroNode | null {
  if (!models.has(value)) {
    try {
      models.set(value, parseRegistrySchema(value.schema, referencedSchemaTexts(state, value.references)).model);
    } catch {
      models.set(value, null);
    }
  }
  return models.get(value) ?? null;
}

const sameReferences = (a: SchemaReference[], b: SchemaReference[]) =>
  a.length === b.length && a.every((ref, i) => ref.name === b[i].name && ref.subject === b[i].subject && ref.version === b[i].version);

/** Whether a stored version holds the requested schema (by compact text, or by normalized text when asked). */
export function holdsSchema(stored: SchemaValue, parsed: ParsedRegistrySchema, references: SchemaReference[], normalize: boolean): boolean {
  if (!sameReferences(stored.references, references)) return false;
  if (stored.schema === parsed.canonical) return true;
  return normalize && (stored.schema === parsed.normalized || normalizedSchemaText(stored.schema) === parsed.normalized);
}

/** Compatibility messages of a candidate against a subject's live versions under a level (empty = compatible). */
export function compatibilityMessages(
  state: RegistryState,
  level: CompatibilityLevel,
  candidate: AvroNode,
  against: SchemaValue[],
): string[] {
  const previous: PreviousVersion[] = [];
  for (const value of against) {
    const model = storedModel(state, value);
    if (model) previous.push({ version: value.version, model });
  }
  return compatibilityProblems(level, candidate, previous).map((problem) => describeProblem(problem, level));
}

export interface Registered {
  id: number;
  version: number;
  schema: string;
  references: SchemaReference[];
}

function assertWritable(state: RegistryState): void {
  if (state.mode() === 'READONLY') throw Errors.operationNotPermitted('The registry is in READONLY mode');
}

/**
 * Registers a schema under a subject. The same schema already live in the subject answers its id and
 * version and writes nothing; the same schema anywhere else keeps its global id.
 */
export function planRegister(state: RegistryState, subject: string, request: SchemaRequest, normalize: boolean): Plan<Registered> {
  const parsed = parseRequestSchema(state, request);
  const live = state.versionsOf(subject, false);
  const existing = [...live].reverse().find((value) => holdsSchema(value, parsed, request.references, normalize));
  if (existing)
    return {
      records: [],
      result: { id: existing.id, version: existing.version, schema: existing.schema, references: existing.references },
    };
  assertWritable(state);
  const level = state.effectiveCompatibility(subject);
  const problems = compatibilityMessages(state, level, parsed.model, live);
  if (problems.length > 0) throw Errors.incompatible(subject, problems);

  let id: number | undefined;
  for (const value of state.allSchemas()) {
    if (holdsSchema(value, parsed, request.references, normalize)) {
      id = value.id;
      break;
    }
  }
  id ??= state.maxId() + 1;
  const version = state.nextVersion(subject);
  const schema = normalize ? parsed.normalized : parsed.canonical;
  const value: SchemaValue = { subject, version, id, schemaType: 'AVRO', schema, references: request.references, deleted: false };
  return { records: [{ key: schemaKey(subject, version), value }], result: { id, version, schema, references: request.references } };
}

function assertNotReferenced(state: RegistryState, value: SchemaValue): void {
  if (state.referencedBy(value.subject, value.version).length > 0) throw Errors.referenceExists(value.subject, value.version);
}

const highWater = (state: RegistryState): StoreRecord => ({ key: ID_HIGH_WATER_KEY, value: { maxId: state.maxId() } });

/** Soft delete marks every live version deleted; permanent delete removes versions already soft-deleted. */
export function planDeleteSubject(state: RegistryState, subject: string, permanent: boolean): Plan<number[]> {
  const all = state.versionsOf(subject, true);
  if (all.length === 0) throw Errors.subjectNotFound(subject);
  const live = all.filter((value) => !value.deleted);
  assertWritable(state);
  if (!permanent) {
    if (live.length === 0) throw Errors.subjectSoftDeleted(subject);
    live.forEach((value) => assertNotReferenced(state, value));
    return {
      records: live.map((value) => ({ key: schemaKey(subject, value.version), value: { ...value, deleted: true } })),
      result: live.map((value) => value.version),
    };
  }
  if (live.length > 0) throw Errors.subjectNotSoftDeleted(subject);
  const records: StoreRecord[] = [highWater(state), ...all.map((value) => ({ key: schemaKey(subject, value.version), value: null }))];
  if (state.subjectCompatibility(subject)) records.push({ key: configKey(subject), value: null });
  return { records, result: all.map((value) => value.version) };
}

export function planDeleteVersion(state: RegistryState, subject: string, spec: VersionSpec, permanent: boolean): Plan<number> {
  if (state.versionsOf(subject, true).length === 0) throw Errors.subjectNotFound(subject);
  const value = spec === 'latest' ? state.latest(subject, permanent) : state.getVersion(subject, spec);
  if (!value) throw Errors.versionNotFound(spec);
  assertWritable(state);
  if (!permanent) {
    if (value.deleted) throw Errors.versionSoftDeleted(subject, value.version);
    assertNotReferenced(state, value);
    return { records: [{ key: schemaKey(subject, value.version), value: { ...value, deleted: true } }], result: value.version };
  }
  if (!value.deleted) throw Errors.versionNotSoftDeleted(subject, value.version);
  return { records: [highWater(state), { key: schemaKey(subject, value.version), value: null }], result: value.version };
}

export function planSetCompatibility(subject: string | null, level: CompatibilityLevel): Plan<{ compatibility: CompatibilityLevel }> {
  return { records: [{ key: configKey(subject), value: { compatibilityLevel: level } }], result: { compatibility: level } };
}

/** Removes a subject's own level (it then follows the global one), or resets the global level to the default. */
export function planDeleteCompatibility(state: RegistryState, subject: string | null): Plan<{ compatibilityLevel: CompatibilityLevel }> {
  const previous = subject === null ? state.globalCompatibility() : state.subjectCompatibility(subject);
  if (!previous) throw Errors.subjectNotFound(subject as string);
  return { records: [{ key: configKey(subject), value: null }], result: { compatibilityLevel: previous } };
}

export function planSetMode(mode: Mode): Plan<{ mode: Mode }> {
  return { records: [{ key: modeKey(null), value: { mode } }], result: { mode } };
}
