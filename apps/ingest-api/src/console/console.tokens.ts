/** Injection tokens of the console module (its own instances, built from the app's config). */
export const CONSOLE_CONFIG = Symbol('CONSOLE_CONFIG');
export const CONSOLE_PIPELINE = Symbol('CONSOLE_PIPELINE');
export const CONSOLE_KAFKA = Symbol('CONSOLE_KAFKA');
export const CONSOLE_KAFKA_ADMIN = Symbol('CONSOLE_KAFKA_ADMIN');
export const CONSOLE_REGISTRY = Symbol('CONSOLE_REGISTRY');
export const CONSOLE_REGISTRY_BROWSER = Symbol('CONSOLE_REGISTRY_BROWSER');
