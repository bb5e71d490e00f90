/** A SqlSession over snowflake-sdk: one connection, statements run one at a time. */
import type * as SnowflakeSdk from 'snowflake-sdk';
import { SqlSession } from './snowflake-adapter';

export interface SnowflakeSettings {
  account: string;
  username: string;
  password?: string;
  /** PEM text of the private key (key-pair authentication). */
  privateKey?: string;
  privateKeyPath?: string;
  privateKeyPass?: string;
  database: string;
  schema: string;
  warehouse: string;
  role?: string;
}

export async function connectSnowflake(settings: SnowflakeSettings): Promise<SqlSession> {
  // Loaded on use: the driver is large and pulls in the AWS SDK, which other warehouses never need.
  const snowflake: typeof SnowflakeSdk = require('snowflake-sdk');
  snowflake.configure({ logLevel: 'ERROR' } as any);
  const keyPair = settings.privateKey !== undefined || settings.privateKeyPath !== undefined;
  const connection = snowflake.createConnection({
    account: settings.account,
    username: settings.username,
    password: keyPair ? undefined : settings.password,
    authenticator: keyPair ? 'SNOWFLAKE_JWT' : 'SNOWFLAKE',
    privateKey: settings.privateKey,
    privateKeyPath: settings.privateKeyPath,
    privateKeyPass: settings.privateKeyPass,
    database: settings.database,
    schema: settings.schema,
    warehouse: settings.warehouse,
    role: settings.role,
    application: 'event-platform-sink',
  });
  await connection.connectAsync();
  return {
    execute(sqlText, binds) {
      return new Promise((resolve, reject) => {
        connection.execute({
          sqlText,
          binds: binds as any,
          complete: (error, _statement, rows) => (error ? reject(error) : resolve((rows ?? []) as Array<Record<string, unknown>>)),
        });
      });
    },
    close() {
      return new Promise((resolve) => connection.destroy(() => resolve()));
    },
  };
}
