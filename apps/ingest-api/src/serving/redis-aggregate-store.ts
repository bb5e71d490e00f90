/**
 * The Redis store, shared by every API instance. Per (event type, group key, window name): a hash
 * `<base>:h` (window start -> the served window as JSON, plus `_end`, the newest window end), a
 * sorted set `<base>:live` of the starts of live windows and `<base>:all` of every stored start
 * (tombstones included). Scripts apply the the serving rules of @platform/windowing rules atomically per window: a version
 * not higher than the stored one is ignored, a retraction stays as a tombstone, windows beyond the
 * retention or the count cap are removed, and the keys expire after SERVING_KEY_TTL without updates.
 * The next offset per partition of the aggregated topic is kept in `<prefix>offsets:<topic>` and only
 * ever moves forward, so instances writing side by side, or one restarting, never go back.
 */
import type Redis from 'ioredis';
import { featureVector, RecentQuery, RetentionPolicy, ServedWindow, toServedWindow } from '@platform/windowing';
import { AggregateStore, SourcedRecord } from './aggregate-store';

const APPLY = `
local h, live, all = KEYS[1], KEYS[2], KEYS[3]
local start, version, json = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local retracted, wend = ARGV[4] == '1', tonumber(ARGV[5])
local retention, maxw, ttl = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local cur = redis.call('HGET', h, start)
if cur then
  local cv = tonumber(string.match(cur, '"version":(%-?%d+)'))
  if cv and version <= cv then return 0 end
end
local stored = redis.call('HGET', h, '_end')
local newest = wend
if stored and tonumber(stored) > newest then newest = tonumber(stored) end
local cutoff = newest - retention
if tonumber(start) < cutoff then return 0 end
redis.call('HSET', h, start, json, '_end', tostring(newest))
redis.call('ZADD', all, start, start)
if retracted then redis.call('ZREM', live, start) else redis.call('ZADD', live, start, start) end
local old = redis.call('ZRANGEBYSCORE', all, '-inf', '(' .. cutoff)
for _, s in ipairs(old) do redis.call('HDEL', h, s) end
if #old > 0 then
  redis.call('ZREMRANGEBYSCORE', all, '-inf', '(' .. cutoff)
  redis.call('ZREMRANGEBYSCORE', live, '-inf', '(' .. cutoff)
end
local n = redis.call('ZCARD', all)
if n > maxw then
  local gone = redis.call('ZRANGE', all, 0, n - maxw - 1)
  for _, s in ipairs(gone) do redis.call('HDEL', h, s); redis.call('ZREM', live, s) end
  redis.call('ZREMRANGEBYRANK', all, 0, n - maxw - 1)
end
redis.call('PEXPIRE', h, ttl); redis.call('PEXPIRE', live, ttl); redis.call('PEXPIRE', all, ttl)
return 1
`;

const ADVANCE = `
for i = 1, #ARGV, 2 do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  if not cur or tonumber(ARGV[i + 1]) > tonumber(cur) then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1
`;

const LATEST = `
local out = {}
for i = 1, #KEYS, 2 do
  local top = redis.call('ZREVRANGE', KEYS[i + 1], 0, 0)
  if top[1] then out[#out + 1] = redis.call('HGET', KEYS[i], top[1]) else out[#out + 1] = '' end
end
return out
`;

const RECENT = `
local starts = redis.call('ZREVRANGEBYSCORE', KEYS[2], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
if #starts == 0 then return {} end
return redis.call('HMGET', KEYS[1], unpack(starts))
`;

type ServingRedis = Redis & {
  servingApply(h: string, live: string, all: string, ...args: string[]): Promise<number>;
  servingAdvance(key: string, ...args: string[]): Promise<number>;
  servingLatest(numKeys: number, ...args: string[]): Promise<string[]>;
  servingRecent(h: string, live: string, ...args: string[]): Promise<Array<string | null>>;
};

const lp = (s: string): string => `${Buffer.byteLength(s)}:${s}`;
/** Redis has no infinity for script arithmetic; this is ~31,000 years. */
const FOREVER_MS = 1e15;

export class RedisAggregateStore implements AggregateStore {
  readonly kind = 'redis' as const;
  private readonly redis: ServingRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly topic: string,
    private readonly policy: RetentionPolicy,
    private readonly keyTtlMs: number,
  ) {
    this.redis = redis as ServingRedis;
    if (!('servingApply' in redis)) {
      redis.defineCommand('servingApply', { numberOfKeys: 3, lua: APPLY });
      redis.defineCommand('servingAdvance', { numberOfKeys: 1, lua: ADVANCE });
      redis.defineCommand('servingLatest', { lua: LATEST });
      redis.defineCommand('servingRecent', { numberOfKeys: 2, lua: RECENT });
    }
  }

  private base(eventType: string, groupKey: string, windowName: string): string {
    return `${this.prefix}agg:${lp(eventType)}${lp(groupKey)}${windowName}`;
  }

  private get offsetsKey(): string {
    return `${this.prefix}agg-offsets:${this.topic}`;
  }

  async open(): Promise<Map<number, bigint>> {
    const stored = await this.redis.hgetall(this.offsetsKey);
    return new Map(Object.entries(stored).map(([p, o]) => [Number(p), BigInt(o)]));
  }

  async apply(records: readonly SourcedRecord[], next: ReadonlyMap<number, bigint>) {
    const retention = String(Math.min(this.policy.retentionMs, FOREVER_MS));
    const maxWindows = String(Math.min(this.policy.maxWindows, 1e9));
    const ttl = String(this.keyTtlMs);
    const results = await Promise.all(
      records.map(({ record }) => {
        const window = toServedWindow(record);
        const base = this.base(record.event_type, record.group_key, record.window_name);
        return this.redis
          .servingApply(`${base}:h`, `${base}:live`, `${base}:all`, String(window.window_start), String(window.version), JSON.stringify(window), window.retracted ? '1' : '0', String(window.window_end), retention, maxWindows, ttl)
          .then((changed) => (changed === 1 ? { eventType: record.event_type, groupKey: record.group_key, window } : null));
      }),
    );
    if (next.size > 0) await this.redis.servingAdvance(this.offsetsKey, ...[...next].flatMap(([p, o]) => [String(p), o.toString()]));
    return results.filter((r): r is NonNullable<typeof r> => r !== null);
  }

  async latest(eventType: string, groupKey: string, windowNames: readonly string[]) {
    const keys = windowNames.flatMap((name) => {
      const base = this.base(eventType, groupKey, name);
      return [`${base}:h`, `${base}:live`];
    });
    const found = await this.redis.servingLatest(keys.length, ...keys);
    const byName = new Map(windowNames.map((name, i) => [name, found[i] ? (JSON.parse(found[i]) as ServedWindow) : undefined]));
    return featureVector(windowNames, (name) => byName.get(name));
  }

  async recent(eventType: string, groupKey: string, windowName: string, query: RecentQuery) {
    const base = this.base(eventType, groupKey, windowName);
    const max = query.to === undefined ? '+inf' : `(${query.to}`;
    const min = query.from === undefined ? '-inf' : String(query.from);
    const found = await this.redis.servingRecent(`${base}:h`, `${base}:live`, max, min, String(query.limit));
    return found.filter((x): x is string => typeof x === 'string').map((x) => JSON.parse(x) as ServedWindow);
  }

  async close(): Promise<void> {
    // The connection belongs to the app (shared with idempotency and throttling).
  }
}
