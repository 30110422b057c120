// Where the agent bundle (dist/agent.js) is. The CLI and the extension are bundled into dist/ beside
// it; tests and tools that run the recorder from source (tsx) find it under <repo>/dist.

import fs from 'node:fs';
import path from 'node:path';

export class AgentMissingError extends Error {}

export function agentPath(): string {
  const candidates = [path.join(__dirname, 'agent.js'), path.resolve(__dirname, '..', '..', 'dist', 'agent.js')];
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new AgentMissingError(`the tracing agent is missing (looked for ${candidates.join(' and ')}): run npm run build`);
}
