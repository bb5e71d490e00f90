/**
 * State keys in the changelog. Each key holds one independent piece of state, so a compacted
 * topic (latest value per key) describes the whole state and the order of keys never matters.
 *
 *   wm                        operator watermark            { watermark }
 *   p|<partition>             one input partition's clock   { maxEventTime, lastSeenMs }
 *   d|<eventId>               a remembered event id         { expiresAt }
 *   D|<bucket>|<n>            remembered ids, packed        { ids, expiresAt } (changelog only, see dedupe-changelog.ts)
 *   w|<name><type><group><id> one window's aggregate        { type, window, group, id, start, end, ... }
 *   u|<window key><userId>    one user in a window's set    { member: true }
 *
 * Variable parts inside w| and u| keys are length-prefixed (`<length>:<text>`), so no user id or
 * group value can make two keys collide, whatever characters it contains.
 */

export const WATERMARK_KEY = 'wm';
export const PARTITION_PREFIX = 'p|';
export const DEDUPE_PREFIX = 'd|';
export const DEDUPE_PACK_PREFIX = 'D|';
export const WINDOW_PREFIX = 'w|';
export const USER_PREFIX = 'u|';

const lp = (s: string): string => `${s.length}:${s}`;

export function windowKey(windowName: string, eventType: string, groupKey: string, id: number): string {
  return `${WINDOW_PREFIX}${lp(windowName)}${lp(eventType)}${lp(groupKey)}${id}`;
}

export function userKey(windowKeyText: string, userId: string): string {
  return `${USER_PREFIX}${lp(windowKeyText)}${userId}`;
}

/** Splits a u| key back into its window key and user id; undefined when malformed. */
export function parseUserKey(key: string): { window: string; user: string } | undefined {
  if (!key.startsWith(USER_PREFIX)) return undefined;
  const colon = key.indexOf(':', USER_PREFIX.length);
  if (colon < 0) return undefined;
  const length = Number(key.slice(USER_PREFIX.length, colon));
  if (!Number.isInteger(length) || length < 0 || colon + 1 + length > key.length) return undefined;
  return { window: key.slice(colon + 1, colon + 1 + length), user: key.slice(colon + 1 + length) };
}
