// Preloaded (node --require) into a real `switchyard serve` by
// test/integration/process-guard.test.ts: throws where Switchyard's own code
// cannot see it coming, inside the libraries it calls, to prove that no
// such throw ends the process. Which faults: SWITCHYARD_TEST_FAULTS, a
// comma-separated list. Test-only; never part of the app.
'use strict';
const http = require('node:http');
const path = require('node:path');

const faults = new Set((process.env.SWITCHYARD_TEST_FAULTS ?? '').split(',').filter(Boolean));

// A health check whose path is /inject-throw: http.request throws synchronously.
if (faults.has('check')) {
  const request = http.request;
  http.request = function (...args) {
    const options = args.find((a) => a && typeof a === 'object');
    if (options && options.path === '/inject-throw') throw new Error('injected: a health check threw');
    return request.apply(this, args);
  };
}

// Every timeline insert throws an error that is not SQLite's.
if (faults.has('timeline')) {
  const Database = require(require.resolve('better-sqlite3', { paths: [path.join(__dirname, '..', '..')] }));
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (sql, ...rest) {
    const statement = prepare.call(this, sql, ...rest);
    if (/^\s*INSERT INTO events/i.test(sql)) {
      statement.run = () => {
        throw new Error('injected: a timeline write threw');
      };
    }
    return statement;
  };
}

// Every timeline insert fails as SQLite does while another program holds
// the write lock: the history problem the UI and `status` must show.
if (faults.has('timeline-locked')) {
  const Database = require(require.resolve('better-sqlite3', { paths: [path.join(__dirname, '..', '..')] }));
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (sql, ...rest) {
    const statement = prepare.call(this, sql, ...rest);
    if (/^\s*INSERT INTO events/i.test(sql)) {
      statement.run = () => {
        throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      };
    }
    return statement;
  };
}

// An admin request to .../inject-admin-throw: the first writeHead of its response throws.
if (faults.has('admin')) {
  const writeHead = http.ServerResponse.prototype.writeHead;
  http.ServerResponse.prototype.writeHead = function (...args) {
    if (this.req && this.req.url.includes('inject-admin-throw') && !this.injected) {
      this.injected = true;
      throw new Error('injected: an admin handler threw');
    }
    return writeHead.apply(this, args);
  };
}

// Errors that escape everything: a timer that throws, a promise nobody handles.
if (faults.has('escape')) {
  setTimeout(() => {
    throw new Error('injected: an uncaught exception in a timer');
  }, 300).unref();
  setTimeout(() => {
    void Promise.reject(new Error('injected: an unhandled rejection'));
  }, 300).unref();
}
