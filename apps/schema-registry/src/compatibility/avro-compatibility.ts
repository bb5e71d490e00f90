/**
 * Avro schema compatibility, following the Avro specification's schema-resolution rules: can data
 * written with `writer` be read with `reader`? And the Confluent compatibility levels built on it.
 * Pure code: no framework, no I/O.
 *
 * Name matching is strict, as avsc's resolver (used by both JavaScript registry clients) does it: a
 * named type matches when the full names are equal or one of the reader's aliases is the writer's
 * full name. Logical types are ignored (they resolve as their underlying type).
 */
import { AvroField, AvroNode, NamedNode } from '../avro/avro-model';

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

export function parseCompatibilityLevel(value: unknown): CompatibilityLevel | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(upper) ? (upper as CompatibilityLevel) : undefined;
}

export type IncompatibilityType =
  | 'TYPE_MISMATCH'
  | 'NAME_MISMATCH'
  | 'FIXED_SIZE_MISMATCH'
  | 'MISSING_ENUM_SYMBOLS'
  | 'READER_FIELD_MISSING_DEFAULT_VALUE'
  | 'MISSING_UNION_BRANCH';

export interface Incompatibility {
  type: IncompatibilityType;
  /** JSON-pointer-like location in the reader schema, e.g. /fields/address/fields/zip. */
  location: string;
  message: string;
}

/** Which writer types a reader type accepts besides its own (Avro's promotions). */
const PROMOTIONS: Record<string, readonly string[]> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  string: ['bytes'],
  bytes: ['string'],
};

function describe(node: AvroNode): string {
  switch (node.kind) {
    case 'primitive':
      return node.type;
    case 'array':
      return `array<${describe(node.items)}>`;
    case 'map':
      return `map<${describe(node.values)}>`;
    case 'union':
      return `union[${node.branches.map(describe).join(',')}]`;
    default:
      return `${node.kind} ${node.fullName}`;
  }
}

function namesMatch(reader: NamedNode, writer: NamedNode): boolean {
  return reader.fullName === writer.fullName || reader.aliases.includes(writer.fullName);
}

function findWriterField(readerField: AvroField, writerFields: AvroField[]): AvroField | undefined {
  return (
    writerFields.find((field) => field.name === readerField.name) ?? writerFields.find((field) => readerField.aliases.includes(field.name))
  );
}

/**
 * Checks reader against writer. A pair already under examination is assumed compatible (the check is
 * co-inductive), which terminates recursive types. Failures are memoised (an assumption can only make
 * a pair look more compatible, so a failure found under one is real); a success is memoised only
 * when no assumption was open while it was computed.
 */
class ResolutionChecker {
  private readonly memo = new Map<AvroNode, Map<AvroNode, Incompatibility[]>>();
  private readonly inProgress = new Map<AvroNode, Set<AvroNode>>();
  private openPairs = 0;

  check(reader: AvroNode, writer: AvroNode, location: string): Incompatibility[] {
    const cached = this.memo.get(reader)?.get(writer);
    // Memoised locations are relative to the pair: each use of it reports its own location.
    if (cached) return cached.map((problem) => ({ ...problem, location: location + problem.location }));
    const active = this.inProgress.get(reader) ?? new Set<AvroNode>();
    if (active.has(writer)) return [];
    active.add(writer);
    this.inProgress.set(reader, active);
    this.openPairs++;
    let result: Incompatibility[];
    try {
      result = this.resolve(reader, writer, location);
    } finally {
      active.delete(writer);
      this.openPairs--;
    }
    if (result.length > 0 || this.openPairs === 0) {
      const byWriter = this.memo.get(reader) ?? new Map<AvroNode, Incompatibility[]>();
      byWriter.set(
        writer,
        result.map((problem) => ({ ...problem, location: problem.location.slice(location.length) })),
      );
      this.memo.set(reader, byWriter);
    }
    return result;
  }

  private resolve(reader: AvroNode, writer: AvroNode, location: string): Incompatibility[] {
    // A union writer may have written any of its branches: the reader must accept every one.
    if (writer.kind === 'union') {
      return writer.branches.flatMap((branch) => this.check(reader, branch, location));
    }
    // A non-union writer is read by the first reader branch it resolves into; one must exist.
    if (reader.kind === 'union') {
      if (reader.branches.some((branch) => this.check(branch, writer, location).length === 0)) return [];
      return [
        {
          type: 'MISSING_UNION_BRANCH',
          location,
          message: `reader union ${describe(reader)} has no branch for writer type ${describe(writer)}`,
        },
      ];
    }
    if (reader.kind === 'primitive' && writer.kind === 'primitive') {
      if (reader.type === writer.type || PROMOTIONS[reader.type]?.includes(writer.type)) return [];
      return [this.mismatch(reader, writer, location)];
    }
    if (reader.kind !== writer.kind) return [this.mismatch(reader, writer, location)];
    switch (reader.kind) {
      case 'array':
        return this.check(reader.items, (writer as typeof reader).items, `${location}/items`);
      case 'map':
        return this.check(reader.values, (writer as typeof reader).values, `${location}/values`);
      case 'fixed': {
        const other = writer as typeof reader;
        if (!namesMatch(reader, other)) return [this.nameMismatch(reader, other, location)];
        if (reader.size !== other.size) {
          return [
            {
              type: 'FIXED_SIZE_MISMATCH',
              location: `${location}/size`,
              message: `expected fixed size ${other.size}, found ${reader.size}`,
            },
          ];
        }
        return [];
      }
      case 'enum': {
        const other = writer as typeof reader;
        if (!namesMatch(reader, other)) return [this.nameMismatch(reader, other, location)];
        const missing = other.symbols.filter((symbol) => !reader.symbols.includes(symbol));
        if (missing.length > 0 && reader.default === undefined) {
          return [
            {
              type: 'MISSING_ENUM_SYMBOLS',
              location: `${location}/symbols`,
              message: `reader enum ${reader.fullName} lacks symbols [${missing.join(', ')}] and has no default`,
            },
          ];
        }
        return [];
      }
      case 'record': {
        const other = writer as typeof reader;
        if (!namesMatch(reader, other)) return [this.nameMismatch(reader, other, location)];
        const problems: Incompatibility[] = [];
        for (const field of reader.fields) {
          const fieldLocation = `${location}/fields/${field.name}`;
          const written = findWriterField(field, other.fields);
          if (written) {
            problems.push(...this.check(field.type, written.type, fieldLocation));
          } else if (!field.hasDefault) {
            problems.push({
              type: 'READER_FIELD_MISSING_DEFAULT_VALUE',
              location: fieldLocation,
              message: `reader field ${field.name} of ${reader.fullName} is missing from the writer and has no default value`,
            });
          }
        }
        return problems;
      }
      default:
        return [this.mismatch(reader, writer, location)];
    }
  }

  private mismatch(reader: AvroNode, writer: AvroNode, location: string): Incompatibility {
    return { type: 'TYPE_MISMATCH', location, message: `reader type ${describe(reader)} cannot read writer type ${describe(writer)}` };
  }

  private nameMismatch(reader: NamedNode, writer: NamedNode, location: string): Incompatibility {
    return {
      type: 'NAME_MISMATCH',
      location: `${location}/name`,
      message: `reader name ${reader.fullName} does not match writer name ${writer.fullName}`,
    };
  }
}

/** Every reason data written with `writer` cannot be read with `reader` (empty when it can). */
export function readerWriterIncompatibilities(reader: AvroNode, writer: AvroNode): Incompatibility[] {
  return new ResolutionChecker().check(reader, writer, '');
}

export function canRead(reader: AvroNode, writer: AvroNode): boolean {
  return readerWriterIncompatibilities(reader, writer).length === 0;
}

export interface PreviousVersion {
  version: number;
  model: AvroNode;
}

export interface CompatibilityProblem extends Incompatibility {
  /** The earlier version the candidate conflicts with. */
  version: number;
  /** Which way failed: the candidate reading old data (BACKWARD) or old readers reading new data (FORWARD). */
  direction: 'BACKWARD' | 'FORWARD';
}

/**
 * Checks a candidate schema against the earlier versions of a subject (oldest first, deleted ones
 * already left out) under a compatibility level. BACKWARD: the candidate can read data written with
 * the previous schema. FORWARD: the previous schema can read data written with the candidate. FULL:
 * both. The transitive levels check against every earlier version instead of only the latest.
 */
export function compatibilityProblems(level: CompatibilityLevel, candidate: AvroNode, previous: PreviousVersion[]): CompatibilityProblem[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? previous : previous.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const problems: CompatibilityProblem[] = [];
  // Newest first, so the first problem reported concerns the most recent version.
  for (const earlier of [...against].reverse()) {
    if (backward) {
      for (const problem of readerWriterIncompatibilities(candidate, earlier.model))
        problems.push({ ...problem, version: earlier.version, direction: 'BACKWARD' });
    }
    if (forward) {
      for (const problem of readerWriterIncompatibilities(earlier.model, candidate))
        problems.push({ ...problem, version: earlier.version, direction: 'FORWARD' });
    }
  }
  return problems;
}

/** One line per problem, in the spirit of Confluent's verbose compatibility messages. */
export function describeProblem(problem: CompatibilityProblem, level: CompatibilityLevel): string {
  const meaning =
    problem.direction === 'BACKWARD'
      ? `the new schema cannot read data written with version ${problem.version}`
      : `version ${problem.version} cannot read data written with the new schema`;
  return `{errorType:'${problem.type}', description:'${problem.message}', location:'${problem.location || '/'}', oldSchemaVersion:${problem.version}, compatibility:'${level}', meaning:'${meaning}'}`;
}
