// The agent's configuration, read once from the environment at load (reading process.env on a hot
// path costs microseconds). docs/capture.md lists these variables; the recorder sets them.

export interface AgentEnv {
  /** where each thread writes `<pid>-<threadId>.ctc`; the agent does nothing without it */
  dir: string;
  /** absolute path of dist/agent.js, re-injected into children and workers with a custom env */
  agentPath: string;
  /** the NODE_OPTIONS fragment that preloads the agent (quoted: paths may contain spaces) */
  preload: string;
  messages: boolean;
  locks: boolean;
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
  };
}

/** The variables a child needs so the agent reaches it even when the user gave it its own env. */
export const CARRIED_VARS = ['CTRACE_DIR', 'CTRACE_AGENT', 'CTRACE_CAPTURE'] as const;

/** NODE_OPTIONS with our preload added (once), keeping whatever the user put there. */
export function withPreload(nodeOptions: string | undefined, preload: string): string {
  if (!nodeOptions) return preload;
  if (nodeOptions.includes(preload)) return nodeOptions;
  return `${preload} ${nodeOptions}`;
}
