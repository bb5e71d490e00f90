/**
 * A loaded configuration keeps its secrets (SASL and key passwords) in non-enumerable properties, so
 * that no log line, JSON body or error message can show them. Structured clone (a worker thread's
 * `workerData`, `postMessage`) drops non-enumerable properties too: these carry them across, and put
 * them back as non-enumerable on the other side.
 */

export interface PortableConfig<T> {
  config: T;
  hidden: HiddenProperty[];
}

interface HiddenProperty {
  /** Keys from the root to the object that holds the property. */
  path: string[];
  name: string;
  value: unknown;
}

/** Plain objects and arrays are walked; anything else (Buffers, class instances) is cloned as it is. */
const isWalkable = (node: unknown): node is object =>
  typeof node === 'object' &&
  node !== null &&
  (Array.isArray(node) || Object.getPrototypeOf(node) === Object.prototype || Object.getPrototypeOf(node) === null);

export function toPortable<T>(config: T): PortableConfig<T> {
  const hidden: HiddenProperty[] = [];
  const seen = new Set<object>();
  const visit = (node: unknown, path: string[]) => {
    if (!isWalkable(node) || seen.has(node)) return;
    seen.add(node);
    for (const name of Object.getOwnPropertyNames(node)) {
      if (Array.isArray(node) && name === 'length') continue;
      const descriptor = Object.getOwnPropertyDescriptor(node, name)!;
      if (descriptor.enumerable) visit(descriptor.value, [...path, name]);
      else if ('value' in descriptor && typeof descriptor.value !== 'function') hidden.push({ path, name, value: descriptor.value });
    }
  };
  visit(config, []);
  return { config, hidden };
}

/** The configuration `toPortable` was given, after a structured clone, with its hidden properties back. */
export function fromPortable<T>(portable: PortableConfig<T>): T {
  for (const { path, name, value } of portable.hidden) {
    const holder = path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], portable.config);
    if (typeof holder !== 'object' || holder === null)
      throw new Error(`configuration cannot be restored: nothing at ${[...path, name].join('.')}`);
    Object.defineProperty(holder, name, { value, enumerable: false });
  }
  return portable.config;
}
