/**
 * The Confluent Schema Registry error catalogue. Clients branch on `error_code` (and on the HTTP status,
 * which is its first three digits), so codes and statuses follow Confluent exactly.
 */
export class RegistryError extends Error {
  constructor(
    public readonly status: number,
    public readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }

  toBody(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const VALID_LEVELS_TEXT = 'none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive';

export const Errors = {
  subjectNotFound: (subject: string) => new RegistryError(404, 40401, `Subject '${subject}' not found.`),
  versionNotFound: (version: number | string) => new RegistryError(404, 40402, `Version ${version} not found.`),
  schemaNotFound: (what = 'Schema not found') => new RegistryError(404, 40403, what),
  subjectSoftDeleted: (subject: string) =>
    new RegistryError(404, 40404, `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`),
  subjectNotSoftDeleted: (subject: string) =>
    new RegistryError(404, 40405, `Subject '${subject}' was not deleted first before being permanently deleted`),
  versionSoftDeleted: (subject: string, version: number) =>
    new RegistryError(404, 40406, `Subject '${subject}' Version ${version} was soft deleted.Set permanent=true to delete permanently`),
  versionNotSoftDeleted: (subject: string, version: number) =>
    new RegistryError(404, 40407, `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`),
  subjectConfigNotFound: (subject: string) =>
    new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`),
  incompatible: (subject: string, details: string[]) =>
    new RegistryError(
      409,
      409,
      `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${details.join(', ')}]`,
    ),
  invalidSchema: (reason: string) => new RegistryError(422, 42201, `Invalid schema: ${reason}`),
  invalidVersion: (version: string) =>
    new RegistryError(
      422,
      42202,
      `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
    ),
  invalidCompatibilityLevel: (given: unknown) =>
    new RegistryError(
      422,
      42203,
      `Invalid compatibility level${given === undefined ? '' : ` '${String(given)}'`}. Valid values are ${VALID_LEVELS_TEXT}`,
    ),
  invalidMode: (given: unknown) =>
    new RegistryError(422, 42204, `Invalid mode '${String(given)}'. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, and IMPORT`),
  operationNotPermitted: (reason: string) => new RegistryError(422, 42205, reason),
  referenceExists: (subject: string, version: number) =>
    new RegistryError(422, 42206, `One or more references exist to the schema {subject=${subject},version=${version}}`),
  storeError: (reason: string) => new RegistryError(500, 50001, `Error in the backend data store - ${reason}`),
  storeTimeout: (reason: string) => new RegistryError(500, 50002, `Operation timed out - ${reason}`),
  forwardingError: (reason: string) => new RegistryError(500, 50003, `Error while forwarding the request to the primary - ${reason}`),
  unauthenticated: () => new RegistryError(401, 40101, 'Unauthorized: valid credentials (HTTP basic or a bearer token) are required'),
  forbidden: (needed: string) => new RegistryError(403, 40301, `Forbidden: this operation needs the registry ${needed} permission`),
  /** A request body that is not JSON at all (Confluent answers these with a plain 400). */
  badRequest: (reason: string) => new RegistryError(400, 400, reason),
};
