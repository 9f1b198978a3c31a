import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reasonIn } from '../../../src/stack/service.js';

test('a service\'s one-line error is its reason, not the log lines before it', () => {
  assert.equal(reasonIn([
    '2026-01-01T00:00:00.000Z dashboard  info  starting',
    'kch dashboard: port 3000 on 127.0.0.1 is already in use (another dashboard?); choose another with --dashboard-port (DASHBOARD_PORT)',
    '',
  ]), 'kch dashboard: port 3000 on 127.0.0.1 is already in use (another dashboard?); choose another with --dashboard-port (DASHBOARD_PORT)');
});

test('an uncaught error gives its message line, not the stack or the Node.js version after it', () => {
  assert.equal(reasonIn([
    'file:///app/dist/dashboard/server.js:120',
    '    throw new TypeError(\'boom\');',
    '    ^',
    '',
    'TypeError: Cannot read properties of undefined (reading \'port\')',
    '    at Server.<anonymous> (file:///app/dist/dashboard/server.js:120:11)',
    '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    '',
    'Node.js v20.20.2',
  ]), 'TypeError: Cannot read properties of undefined (reading \'port\')');
  assert.equal(reasonIn(['Error [ERR_UNHANDLED_ERROR]: Unhandled error. (undefined)', '    at x (y:1:1)', 'Node.js v22.1.0']), 'Error [ERR_UNHANDLED_ERROR]: Unhandled error. (undefined)');
});

test('otherwise the last line with text; nothing when it printed nothing', () => {
  assert.equal(reasonIn(['2026-01-01T00:00:00.000Z kafka  warn  low on disk', '  ']), '2026-01-01T00:00:00.000Z kafka  warn  low on disk');
  assert.equal(reasonIn([]), undefined);
});
