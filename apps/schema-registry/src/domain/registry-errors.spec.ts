import { Errors, RegistryError } from './registry-errors';

/** Confluent Schema Registry's error catalogue: HTTP status, error_code and message, as Confluent words them. */
describe('registry errors', () => {
  it.each([
    ["Errors.subjectNotFound('orders')", () => Errors.subjectNotFound('orders'), 404, 40401, "Subject 'orders' not found."],
    ["Errors.versionNotFound(7)", () => Errors.versionNotFound(7), 404, 40402, 'Version 7 not found.'],
    ["Errors.versionNotFound('latest')", () => Errors.versionNotFound('latest'), 404, 40402, 'Version latest not found.'],
    ["Errors.schemaNotFound()", () => Errors.schemaNotFound(), 404, 40403, 'Schema not found'],
    ["Errors.schemaNotFound('Schema 12 not found')", () => Errors.schemaNotFound('Schema 12 not found'), 404, 40403, 'Schema 12 not found'],
    ["Errors.subjectSoftDeleted('orders')", () => Errors.subjectSoftDeleted('orders'), 404, 40404, "Subject 'orders' was soft deleted.Set permanent=true to delete permanently"],
    ["Errors.subjectNotSoftDeleted('orders')", () => Errors.subjectNotSoftDeleted('orders'), 404, 40405, "Subject 'orders' was not deleted first before being permanently deleted"],
    ["Errors.versionSoftDeleted('orders', 2)", () => Errors.versionSoftDeleted('orders', 2), 404, 40406, "Subject 'orders' Version 2 was soft deleted.Set permanent=true to delete permanently"],
    ["Errors.versionNotSoftDeleted('orders', 2)", () => Errors.versionNotSoftDeleted('orders', 2), 404, 40407, "Subject 'orders' Version 2 was not deleted first before being permanently deleted"],
    ["Errors.subjectConfigNotFound('orders')", () => Errors.subjectConfigNotFound('orders'), 404, 40408, "Subject 'orders' does not have subject-level compatibility configured"],
    [
      "Errors.incompatible('orders', ['first', 'second'])",
      () => Errors.incompatible('orders', ['first', 'second']),
      409,
      409,
      'Schema being registered is incompatible with an earlier schema for subject "orders", details: [first, second]',
    ],
    ["Errors.invalidSchema('not JSON')", () => Errors.invalidSchema('not JSON'), 422, 42201, 'Invalid schema: not JSON'],
    [
      "Errors.invalidVersion('first')",
      () => Errors.invalidVersion('first'),
      422,
      42202,
      'The specified version \'first\' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"',
    ],
    [
      "Errors.invalidCompatibilityLevel('SIDEWAYS')",
      () => Errors.invalidCompatibilityLevel('SIDEWAYS'),
      422,
      42203,
      "Invalid compatibility level 'SIDEWAYS'. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive",
    ],
    [
      "Errors.invalidCompatibilityLevel(undefined)",
      () => Errors.invalidCompatibilityLevel(undefined),
      422,
      42203,
      'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive',
    ],
    ["Errors.invalidMode('SLEEPY')", () => Errors.invalidMode('SLEEPY'), 422, 42204, "Invalid mode 'SLEEPY'. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, and IMPORT"],
    ["Errors.operationNotPermitted('The registry is in READONLY mode')", () => Errors.operationNotPermitted('The registry is in READONLY mode'), 422, 42205, 'The registry is in READONLY mode'],
    ["Errors.referenceExists('address', 1)", () => Errors.referenceExists('address', 1), 422, 42206, 'One or more references exist to the schema {subject=address,version=1}'],
    ["Errors.storeError('broker down')", () => Errors.storeError('broker down'), 500, 50001, 'Error in the backend data store - broker down'],
    ["Errors.storeTimeout('no ack')", () => Errors.storeTimeout('no ack'), 500, 50002, 'Operation timed out - no ack'],
    ["Errors.forwardingError('primary gone')", () => Errors.forwardingError('primary gone'), 500, 50003, 'Error while forwarding the request to the primary - primary gone'],
    ["Errors.unauthenticated()", () => Errors.unauthenticated(), 401, 40101, 'Unauthorized: valid credentials (HTTP basic or a bearer token) are required'],
    ["Errors.forbidden('write')", () => Errors.forbidden('write'), 403, 40301, 'Forbidden: this operation needs the registry write permission'],
    ["Errors.badRequest('Unexpected end of JSON input')", () => Errors.badRequest('Unexpected end of JSON input'), 400, 400, 'Unexpected end of JSON input'],
  ])('%s', (_, make, status, errorCode, message) => {
    // Built inside the test, so each mutant of the catalogue runs it.
    const error = make();
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toBeInstanceOf(Error);
    expect({ status: error.status, errorCode: error.errorCode, message: error.message, name: error.name }).toEqual({
      status,
      errorCode,
      message,
      name: 'RegistryError',
    });
    expect(error.toBody()).toEqual({ error_code: errorCode, message });
  });
});
