/**
 * What the loader needs from a warehouse: create its tables, report and add columns, and write a
 * batch of rows for both tables (plus, where the database can hold them, the consumer offsets) as
 * one atomic unit. Every SQL dialect difference lives behind this interface.
 */
import { ColumnDef, TableName, TableSpec } from './columns';
import { Row } from './rows';

export type WarehouseKind = 'duckdb' | 'postgres' | 'snowflake';

/** The next offset to read for one partition, as stored with the rows it covers. */
export interface OffsetPosition {
  consumerGroup: string;
  topic: string;
  partition: number;
  nextOffset: number;
}

export interface TableWrite {
  spec: TableSpec;
  /** Already one row per key (see selectRows). */
  rows: Row[];
}

export interface WarehouseAdapter {
  readonly kind: WarehouseKind;
  /** True when `write` stores offsets in the same transaction as the rows (exactly-once by offsets). */
  readonly storesOffsets: boolean;
  /** Creates schemas and tables when missing. Idempotent. */
  init(): Promise<void>;
  /** The table's current columns as the database reports them (in table order). */
  describeColumns(table: TableName): Promise<ColumnDef[]>;
  /** Adds nullable columns that are missing; an existing column is left as it is. */
  addColumns(table: TableName, columns: ColumnDef[]): Promise<void>;
  /**
   * Upserts the rows of every table write and, when storesOffsets, the offsets, in one transaction.
   * Offsets only move forward (a stale writer can never move them back).
   */
  write(writes: TableWrite[], offsets: OffsetPosition[]): Promise<void>;
  /** Offsets stored for a consumer group (empty when the adapter does not store offsets). */
  readOffsets(consumerGroup: string): Promise<OffsetPosition[]>;
  /** True for errors that retrying can fix (connection lost, lock held, timeout). */
  isTransient(error: unknown): boolean;
  close(): Promise<void>;
}

const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'EADDRNOTAVAIL']);

/** Network-level failures any client can surface. */
export function isNetworkError(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && TRANSIENT_NODE_CODES.has(e.code)) return true;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|Connection terminated|timed out|timeout/i.test(String(e.message ?? ''));
}
