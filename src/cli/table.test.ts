/** The terminal table: a cell from the API cannot add a line or send an escape sequence to the terminal. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTable } from './table.js';

test('control characters in a cell (C0, DEL, C1, U+2028/U+2029) are escaped visibly, one line per row', () => {
  const table = renderTable(['enterprise', 'events'], [['evil\u0000nul\nnewline\u001b[31mRED\u007f\u0085\u2028\u2029', 3], ['ACME', 12]]);
  const lines = table.split('\n');
  assert.equal(lines.length, 3);
  assert.doesNotMatch(table.replaceAll('\n', ''), /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  assert.ok(lines[1]!.startsWith('evil\\x00nul\\x0anewline\\x1b[31mRED\\x7f\\x85\\u2028\\u2029  '), lines[1]);
  assert.equal(lines[1]!.length, lines[2]!.length, 'columns stay aligned');
});
