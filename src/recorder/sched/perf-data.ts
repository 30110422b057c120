// Reads context-switch and thread-name records straight from a perf.data file (the kernel's own
// record layout), so converting a recording costs tens of nanoseconds per switch instead of the
// microseconds of printing and re-parsing `perf script` text: a switch-heavy program makes
// hundreds of thousands of switches per second. Only the simple case perf produces for
// `record --switch-events -e dummy` is handled (one event attr, little-endian, uncompressed);
// anything else returns undefined and the caller falls back to `perf script`.
//
// Layout (linux/perf_event.h, tools/perf/util/header.h): a file header with the attrs and data
// sections; in data, records of [u32 type][u16 misc][u16 size] + body, each ending with the
// sample_id trailer (pid/tid, time, ...) whose fields the attr's sample_type selects.

import fs from 'node:fs';

const PERF_RECORD_LOST = 2;
const PERF_RECORD_COMM = 3;
const PERF_RECORD_SWITCH = 14;
/** zstd-compressed records (perf record -z): not read here */
const PERF_RECORD_COMPRESSED = 81;
const PERF_RECORD_COMPRESSED2 = 83;
const MISC_SWITCH_OUT = 1 << 13;
const MISC_SWITCH_OUT_PREEMPT = 1 << 14;

const SAMPLE_TID = 1 << 1;
const SAMPLE_TIME = 1 << 2;
const SAMPLE_ID = 1 << 6;
const SAMPLE_CPU = 1 << 7;
const SAMPLE_STREAM_ID = 1 << 9;
const SAMPLE_IDENTIFIER = 1 << 16;
const ATTR_SAMPLE_ID_ALL_BIT = 18;

export interface PerfDataVisitor {
  switch(pid: number, tid: number, ts: number, direction: 0 | 1, preempt: 0 | 1): void;
  comm(pid: number, tid: number, ts: number, name: string): void;
}

/** Streams the file's switch and comm records to the visitor; undefined when the layout is not the simple one. */
export function readPerfData(file: string, visit: PerfDataVisitor): { switches: number; lost: number } | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const headBytes = new Uint8Array(104);
    const head = Buffer.from(headBytes.buffer);
    if (fs.readSync(fd, headBytes, 0, 104, 0) < 104) return undefined;
    if (head.toString('latin1', 0, 8) !== 'PERFILE2') return undefined; // other magic: big-endian or old format
    const attrSize = Number(head.readBigUInt64LE(16));
    const attrsOffset = Number(head.readBigUInt64LE(24));
    const attrsSize = Number(head.readBigUInt64LE(32));
    const dataOffset = Number(head.readBigUInt64LE(40));
    const dataSize = Number(head.readBigUInt64LE(48));
    if (attrSize < 64 || attrsSize !== attrSize) return undefined; // exactly one attr
    const attrBytes = new Uint8Array(64);
    const attr = Buffer.from(attrBytes.buffer);
    if (fs.readSync(fd, attrBytes, 0, 64, attrsOffset) < 64) return undefined;
    const sampleType = Number(attr.readBigUInt64LE(24));
    const flags = attr.readBigUInt64LE(40);
    if (((flags >> BigInt(ATTR_SAMPLE_ID_ALL_BIT)) & 1n) !== 1n) return undefined;
    if (!(sampleType & SAMPLE_TID) || !(sampleType & SAMPLE_TIME)) return undefined;
    // the trailer: TID (8), TIME (8), ID (8), STREAM_ID (8), CPU (8), IDENTIFIER (8), in that order
    let trailer = 16;
    for (const bit of [SAMPLE_ID, SAMPLE_STREAM_ID, SAMPLE_CPU, SAMPLE_IDENTIFIER]) if (sampleType & bit) trailer += 8;

    const CHUNK = 1 << 20;
    const bytes = new Uint8Array(CHUNK + 65536);
    const buf = Buffer.from(bytes.buffer);
    let fileAt = dataOffset;
    const end = dataOffset + dataSize;
    let have = 0; // bytes in buf
    let at = 0; // parse position in buf
    let switches = 0;
    let lost = 0;
    for (;;) {
      if (have - at < 65536 && fileAt < end) {
        bytes.copyWithin(0, at, have);
        have -= at;
        at = 0;
        const n = fs.readSync(fd, bytes, have, Math.min(CHUNK, end - fileAt), fileAt);
        if (n <= 0) break;
        have += n;
        fileAt += n;
      }
      if (have - at < 8) break;
      const type = buf.readUInt32LE(at);
      const misc = buf.readUInt16LE(at + 4);
      const size = buf.readUInt16LE(at + 6);
      if (size < 8 || type === PERF_RECORD_COMPRESSED || type === PERF_RECORD_COMPRESSED2) return undefined;
      if (have - at < size) break; // truncated file: keep what came before
      if (type === PERF_RECORD_LOST) lost += Number(buf.readBigUInt64LE(at + 16)); // records the kernel dropped (buffer full)
      else if (type === PERF_RECORD_SWITCH || type === PERF_RECORD_COMM) {
        const t = at + size - trailer;
        const pid = buf.readUInt32LE(t);
        const tid = buf.readUInt32LE(t + 4);
        const ts = Number(buf.readBigUInt64LE(t + 8));
        if (type === PERF_RECORD_SWITCH) {
          switches++;
          const out = (misc & MISC_SWITCH_OUT) !== 0;
          visit.switch(pid, tid, ts, out ? 0 : 1, out && (misc & MISC_SWITCH_OUT_PREEMPT) !== 0 ? 1 : 0);
        } else if (ts > 0) {
          // body: u32 pid, u32 tid, NUL-terminated name padded to 8 bytes
          const bodyPid = buf.readUInt32LE(at + 8);
          const bodyTid = buf.readUInt32LE(at + 12);
          let z = at + 16;
          while (z < t && buf[z] !== 0) z++;
          visit.comm(bodyPid, bodyTid, ts, buf.toString('utf8', at + 16, z));
        }
      }
      at += size;
    }
    return { switches, lost };
  } finally {
    fs.closeSync(fd);
  }
}
