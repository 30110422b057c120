// The agent's configuration, read once from the environment at load (reading process.env on a hot
// path costs microseconds). docs/capture.md lists these variables; the recorder sets them.

import { CARRIED_VARS } from '../protocol/session';

export interface AgentEnv {
  /** where each thread writes `<pid>-<threadId>.ctc`; the agent does nothing without it */
  dir: string;
  /** absolute path of dist/agent.js, re-injected into children and workers with a custom env */
  agentPath: string;
  /** the NODE_OPTIONS fragment that preloads the agent (quoted: paths may contain spaces) */
  preload: string;
  messages: boolean;
  locks: boolean;
  /**
   * 'usage' in CTRACE_CAPTURE: the recorder cannot see threads from outside (schedMode 'node'), so
   * each thread samples what Node reports (usage.ts). Off unless asked for: elsewhere /proc or perf
   * does it from outside, at no cost to the program.
   */
  usage: boolean;
}

export function readEnv(env: NodeJS.ProcessEnv, selfPath: string): AgentEnv | undefined {
  const dir = env.CTRACE_DIR;
  if (!dir) return undefined;
  const agentPath = env.CTRACE_AGENT || selfPath;
  const capture = env.CTRACE_CAPTURE;
  const wanted = capture ? new Set(capture.split(',').map((s) => s.trim())) : undefined;
  return {
    dir,
    agentPath,
    preload: `--require ${JSON.stringify(agentPath)}`,
    messages: !wanted || wanted.has('messages'),
    locks: !wanted || wanted.has('locks'),
    usage: !!wanted && wanted.has('usage'),
  };
}

/** Whether this thread samples Node's own usage figures (see AgentEnv.usage); read once. */
export function usageWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const capture = env.CTRACE_CAPTURE;
  return !!capture && capture.split(',').some((s) => s.trim() === 'usage');
}

/** 'proc' in CTRACE_CAPTURE: on Linux each JS thread records its own /proc totals at exit (proc-totals.ts). */
export function procTotalsWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const capture = env.CTRACE_CAPTURE;
  return !!capture && capture.split(',').some((s) => s.trim() === 'proc');
}


/**
 * The recording's variables as they are now (call it when the thread starts): its children and
 * workers get these even if the program later changes or removes them (their records would go
 * elsewhere, or nowhere).
 */
export function carriedVars(agentPath: string): [string, string][] {
  const carried: [string, string][] = [];
  for (const k of CARRIED_VARS) {
    const v = process.env[k];
    if (v !== undefined) carried.push([k, v]);
  }
  if (!process.env.CTRACE_AGENT) carried.push(['CTRACE_AGENT', agentPath]);
  return carried;
}

/** NODE_OPTIONS with our preload added (once), keeping whatever the user put there. */
export function withPreload(nodeOptions: string | undefined, preload: string): string {
  if (!nodeOptions) return preload;
  if (nodeOptions.includes(preload)) return nodeOptions;
  return `${preload} ${nodeOptions}`;
}

/** NODE_OPTIONS without our preload, wherever it is (and one space beside it); undefined when nothing else is left. */
export function withoutPreload(nodeOptions: string | undefined, preload: string): string | undefined {
  if (nodeOptions === undefined) return undefined;
  const at = nodeOptions.indexOf(preload);
  if (at < 0) return nodeOptions;
  const end = at + preload.length;
  const before = nodeOptions.slice(0, at);
  const after = nodeOptions.slice(end);
  // the space after it, or at the end the one before it
  const rest = after[0] === ' ' ? before + after.slice(1) : before.endsWith(' ') ? before.slice(0, -1) + after : before + after;
  return rest === '' ? undefined : rest;
}
