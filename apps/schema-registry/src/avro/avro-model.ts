/**
 * A resolved model of an Avro schema, the input of the compatibility checker. Named types are shared
 * nodes (a recursive record points back to itself), names are full names, aliases are qualified.
 * Pure: no I/O. The text is assumed to be a schema avsc already accepted; anything this model cannot
 * make sense of still throws AvroModelError rather than producing a wrong model.
 */
export const PRIMITIVES = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'] as const;
export type Primitive = (typeof PRIMITIVES)[number];

export interface AvroField {
  name: string;
  aliases: string[];
  type: AvroNode;
  hasDefault: boolean;
}

export type AvroNode =
  | { kind: 'primitive'; type: Primitive }
  | { kind: 'record'; fullName: string; aliases: string[]; fields: AvroField[] }
  | { kind: 'enum'; fullName: string; aliases: string[]; symbols: string[]; default?: string }
  | { kind: 'fixed'; fullName: string; aliases: string[]; size: number }
  | { kind: 'array'; items: AvroNode }
  | { kind: 'map'; values: AvroNode }
  | { kind: 'union'; branches: AvroNode[] };

export type NamedNode = Extract<AvroNode, { fullName: string }>;

export class AvroModelError extends Error {}

/** Named types by full name; pass the same map for every schema of a reference chain. */
export type NamedTypes = Map<string, NamedNode>;

const isPrimitive = (name: string): name is Primitive => (PRIMITIVES as readonly string[]).includes(name);

function qualify(name: string, namespace: string | undefined): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}

function namespaceOf(fullName: string): string | undefined {
  const dot = fullName.lastIndexOf('.');
  return dot < 0 ? undefined : fullName.slice(0, dot);
}

function stringList(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw new AvroModelError(`${what} must be an array of strings`);
  return value as string[];
}

function resolveName(name: string, namespace: string | undefined, named: NamedTypes): NamedNode {
  const found = named.get(qualify(name, namespace)) ?? named.get(name);
  if (!found) throw new AvroModelError(`unknown type name '${name}'`);
  return found;
}

function define(
  schema: Record<string, unknown>,
  enclosing: string | undefined,
  named: NamedTypes,
): { fullName: string; namespace: string | undefined; aliases: string[] } {
  if (typeof schema.name !== 'string' || schema.name === '') throw new AvroModelError(`a ${String(schema.type)} needs a name`);
  const explicitNamespace = typeof schema.namespace === 'string' ? schema.namespace || undefined : enclosing;
  const fullName = qualify(schema.name, explicitNamespace);
  if (named.has(fullName)) throw new AvroModelError(`type name '${fullName}' is defined twice`);
  const namespace = namespaceOf(fullName);
  const aliases = stringList(schema.aliases, `aliases of ${fullName}`).map((alias) => qualify(alias, namespace));
  return { fullName, namespace, aliases };
}

function build(schema: unknown, namespace: string | undefined, named: NamedTypes): AvroNode {
  if (typeof schema === 'string') return isPrimitive(schema) ? { kind: 'primitive', type: schema } : resolveName(schema, namespace, named);
  if (Array.isArray(schema)) return { kind: 'union', branches: schema.map((branch) => build(branch, namespace, named)) };
  if (schema === null || typeof schema !== 'object') throw new AvroModelError(`not a schema: ${JSON.stringify(schema)}`);
  const object = schema as Record<string, unknown>;
  const type = object.type;
  if (typeof type !== 'string') return build(type, namespace, named);
  switch (type) {
    case 'record':
    case 'error': {
      const { fullName, namespace: inner, aliases } = define(object, namespace, named);
      const node: NamedNode & { kind: 'record' } = { kind: 'record', fullName, aliases, fields: [] };
      named.set(fullName, node); // registered before its fields, so a field may refer back to it
      if (!Array.isArray(object.fields)) throw new AvroModelError(`record ${fullName} needs a fields array`);
      for (const field of object.fields as Array<Record<string, unknown>>) {
        if (!field || typeof field.name !== 'string') throw new AvroModelError(`a field of ${fullName} has no name`);
        node.fields.push({
          name: field.name,
          aliases: stringList(field.aliases, `aliases of ${fullName}.${field.name}`),
          type: build(field.type, inner, named),
          hasDefault: Object.prototype.hasOwnProperty.call(field, 'default'),
        });
      }
      return node;
    }
    case 'enum': {
      const { fullName, aliases } = define(object, namespace, named);
      const node: AvroNode = { kind: 'enum', fullName, aliases, symbols: stringList(object.symbols, `symbols of ${fullName}`) };
      if (typeof object.default === 'string') node.default = object.default;
      named.set(fullName, node);
      return node;
    }
    case 'fixed': {
      const { fullName, aliases } = define(object, namespace, named);
      if (typeof object.size !== 'number') throw new AvroModelError(`fixed ${fullName} needs a size`);
      const node: AvroNode = { kind: 'fixed', fullName, aliases, size: object.size };
      named.set(fullName, node);
      return node;
    }
    case 'array':
      return { kind: 'array', items: build(object.items, namespace, named) };
    case 'map':
      return { kind: 'map', values: build(object.values, namespace, named) };
    default:
      // {"type": "int", "logicalType": ...} or {"type": "com.example.Named"}: logical types resolve as their underlying type.
      return isPrimitive(type) ? { kind: 'primitive', type } : resolveName(type, namespace, named);
  }
}

/**
 * Builds the model of `schema` (parsed JSON). `named` carries the named types of referenced schemas
 * (build those first, in order, with the same map).
 */
export function buildAvroModel(schema: unknown, named: NamedTypes = new Map()): AvroNode {
  return build(schema, undefined, named);
}
