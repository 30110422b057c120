// The recorder's public API: record a program, read a trace back, and turn it into a model and a
// summary. The CLI, the extension and the tests use only what is exported here.
export { startRecording, STOP_GRACE_MS } from './record';
export { readTrace, decodeTrace, TraceReadError, availableMemoryBytes, type ReadOptions } from './reader';
export { buildModel, commandLine, type TraceModel, type ProcessNode, type ThreadNode, type SpawnNode, type WorkerNode, type MessagePair, type CrashNode } from './model';
export { summarize, oneLine, countsLine, formatSummary, formatDeadlock, type LineCounts } from './summary';
export { LiveCounts } from './live-counts';
export { untracedNodeNote } from '../protocol/untraced-node';
export { lostRecordsNote, type LostRecords } from '../protocol/session';
export { computeInsights, compareTraces, formatComparison, formatInsightNotes } from './insights';
export { LaunchError } from './launch';
export { AgentMissingError, agentPath } from './agent-path';
export { RECORDER_VERSION } from './version';
export type { RecordOptions, Recording, RecordingResult, RecordingCounts, LoadedTrace, CaptureOptions, SchedMode, TraceSummary } from './types';
