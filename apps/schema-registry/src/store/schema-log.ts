/** The registry's storage boundary: an ordered log of state changes and the state it rebuilds. */
import { Plan } from '../domain/registry-commands';
import { RegistryState } from '../domain/registry-state';

export interface SchemaLog {
  /** The state as of every record applied so far. */
  readonly state: RegistryState;
  /** Applies every record committed before this call (bounded wait; throws 50002 on timeout). */
  catchUp(): Promise<void>;
  /**
   * Runs `plan` against a state that includes every committed write (from any instance), appends its
   * records atomically, and resolves with its result once they are applied locally. A refusal thrown
   * by `plan` writes nothing.
   */
  write<T>(plan: (state: RegistryState) => Plan<T>): Promise<T>;
  close(): Promise<void>;
}
