// The one place that knows where the view runs. Inside VS Code it talks through acquireVsCodeApi()
// (postMessage, and getState/setState so a hidden-then-shown panel comes back as it was). In the
// standalone page, the page's bootstrap embeds the trace and posts it as a 'load' message through
// the same window 'message' channel; state then lives in sessionStorage.
import type { HostToView, ViewToHost } from '../src/protocol/messages';

export interface Host {
  readonly inVsCode: boolean;
  post(msg: ViewToHost): void;
  onMessage(cb: (msg: HostToView) => void): void;
  getState<T>(): T | undefined;
  setState<T>(state: T): void;
}

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export function createHost(): Host {
  const listen = (cb: (msg: HostToView) => void) =>
    window.addEventListener('message', (e: MessageEvent) => {
      const d = e.data as HostToView | undefined;
      if (d && typeof d === 'object' && typeof d.type === 'string') cb(d);
    });
  if (typeof acquireVsCodeApi === 'function') {
    const api = acquireVsCodeApi();
    return {
      inVsCode: true,
      post: (m) => api.postMessage(m),
      onMessage: listen,
      getState: <T>() => api.getState() as T | undefined,
      setState: (s) => api.setState(s),
    };
  }
  // Standalone: the bootstrap listens for our messages as a window event (it owns the embedded bytes).
  followColorScheme();
  const key = 'ctrace-view-state:' + location.pathname;
  return {
    inVsCode: false,
    post: (m) => window.dispatchEvent(new CustomEvent('ctrace-view-to-host', { detail: m })),
    onMessage: listen,
    getState: <T>() => {
      try {
        const s = sessionStorage.getItem(key);
        return s ? (JSON.parse(s) as T) : undefined;
      } catch {
        return undefined;
      }
    },
    setState: (s) => {
      try {
        sessionStorage.setItem(key, JSON.stringify(s));
      } catch {
        /* storage may be unavailable on file:// */
      }
    },
  };
}

/**
 * The standalone page takes the OS's light or dark, named on <body> the way VS Code names its theme's
 * kind, so the stylesheet keeps one set of fallbacks per kind (timeline.css).
 */
function followColorScheme(): void {
  const dark = window.matchMedia('(prefers-color-scheme: dark)');
  const apply = () => {
    document.body.classList.toggle('vscode-dark', dark.matches);
    document.body.classList.toggle('vscode-light', !dark.matches);
  };
  apply();
  dark.addEventListener('change', apply);
}
