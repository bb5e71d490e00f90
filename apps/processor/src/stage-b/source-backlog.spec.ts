import { sourcesToHold } from './source-backlog';

const ALL = 'all';
const BACKLOG = 'backlog';

describe('sourcesToHold', () => {
  it('holds only the stage A backlog before the partition range is known', () => {
    expect(sourcesToHold(undefined, 5n, BACKLOG, ALL)).toEqual({ hold: BACKLOG, behind: false });
  });

  it('holds every source while records that were on the partition at the refresh are unread', () => {
    expect(sourcesToHold({ low: 0n, high: 10n }, 3n, BACKLOG, ALL)).toEqual({ hold: ALL, behind: true });
    expect(sourcesToHold({ low: 0n, high: 10n }, 8n, BACKLOG, ALL)).toEqual({ hold: ALL, behind: true });
  });

  it('a position one short of the end is caught up: only a commit marker is left', () => {
    expect(sourcesToHold({ low: 0n, high: 10n }, 9n, BACKLOG, ALL)).toEqual({ hold: BACKLOG, behind: false });
    expect(sourcesToHold({ low: 0n, high: 10n }, 10n, BACKLOG, ALL)).toEqual({ hold: BACKLOG, behind: false });
  });

  it('a task with no position yet reads from the low offset, so an empty or truncated partition is caught up', () => {
    expect(sourcesToHold({ low: 40n, high: 40n }, undefined, BACKLOG, ALL).behind).toBe(false);
    expect(sourcesToHold({ low: 40n, high: 41n }, 2n, BACKLOG, ALL).behind).toBe(false);
    expect(sourcesToHold({ low: 40n, high: 45n }, undefined, BACKLOG, ALL).behind).toBe(true);
  });
});
