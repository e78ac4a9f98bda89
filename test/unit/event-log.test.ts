import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/core/store/database';
import { EventLog } from '../../src/main/core/store/event-log';
import { tempDir } from '../helpers/core';

describe('timeline store', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('keeps only the newest entries, newest first, per route or all', () => {
    const db = openDatabase(join(dir.path, 'switchyard.db'));
    const log = new EventLog(db, 5);
    for (let i = 1; i <= 8; i++) log.append(i % 2 ? 'down' : 'up', `event ${i}`, i % 2 ? 1 : 2, 10 + i);
    expect(log.list(undefined, 100).map((e) => e.message)).toEqual(['event 8', 'event 7', 'event 6', 'event 5', 'event 4']);
    expect(log.list(1, 100).map((e) => e.message)).toEqual(['event 7', 'event 5']);
    expect(log.list(undefined, 2)).toHaveLength(2);
    expect(log.list(undefined, 1)[0]).toMatchObject({ kind: 'up', routeId: 2, backendId: 18, at: expect.stringMatching(/^\d{4}-/) });
    db.close();
  });
});
