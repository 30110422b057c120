// The lost-records note people read: one thread or many, each cause with its advice, codes it does
// not know named as they are, and entries of a hand-edited Meta checked before use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkedLostRecords, LOST_MARKER, lostMarkerName, lostRecordsNote } from '../../src/protocol/session';

test('the note names every cause and its advice, and codes it does not know', () => {
  assert.equal(
    lostRecordsNote([{ pid: 7, threadId: 2, reason: 'EMFILE' }]),
    'Thread 2 of process 7 could not write all of its records, because the program had as many files open as it may (EMFILE): the trace holds what it wrote before that and misses the rest. To record everything, raise the limit on open files (ulimit -n), then record again.',
  );
  assert.equal(
    lostRecordsNote([
      { pid: 1, threadId: 0, reason: 'ENOSPC' },
      { pid: 1, threadId: 1, reason: 'ENOSPC' },
      { pid: 2, threadId: 0, reason: 'EFBIG' },
      { pid: 3, threadId: 0, reason: 'EIO' },
    ]),
    '4 threads could not write all of their records, because the disk of the temporary folder was full (ENOSPC), a file size limit was reached (EFBIG: ulimit -f) and their writes failed (EIO): the trace holds what they wrote before that and misses the rest. To record everything, set TMPDIR to a folder on a disk with room and raise the limit (ulimit -f unlimited), then record again.',
  );
  // a reason that is an Object.prototype key is no known cause
  assert.match(lostRecordsNote([{ pid: 1, threadId: 0, reason: 'constructor' }]), /because its writes failed \(constructor\): .*misses the rest\.$/);
});

test('marker names round-trip; odd entries are dropped', () => {
  assert.deepEqual(LOST_MARKER.exec(lostMarkerName(12, 3, 'ENOSPC'))?.slice(1), ['12', '3', 'ENOSPC']);
  assert.equal(LOST_MARKER.exec('12-3.lost-enospc'), null);
  assert.deepEqual(checkedLostRecords([{ pid: 1, threadId: 0, reason: 'EIO' }, { pid: '1', threadId: 0, reason: 'EIO' }, 5]), [{ pid: 1, threadId: 0, reason: 'EIO' }]);
});
