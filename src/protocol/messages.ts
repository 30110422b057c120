// The messages between a host (the VS Code extension, or the standalone page's bootstrap) and the
// timeline webview. The webview never reads files: every byte of a trace reaches it through these.

import type { Comparison, Insights } from './insights';

/** host -> webview */
export type HostToView =
  /** a whole trace (or its first part, when `live`); bytes are the .ctrace file from offset 0 */
  | {
      type: 'load';
      name: string;
      bytes: Uint8Array;
      live?: boolean;
      hasSource?: boolean;
      /** opaque to the view: kept in its saved state, handed back to the host when VS Code restores the panel after a reload */
      restore?: string;
    }
  /** more bytes of a live trace, continuing exactly where the previous load/append ended */
  | { type: 'append'; bytes: Uint8Array }
  /** the live recording has ended */
  | { type: 'ended' }
  /** select and reveal an event (e.g. from an editor hint) */
  | { type: 'reveal'; pid: number; threadId: number; ts: number; kind?: number }
  /** the loaded trace's insights (computed by the host; the webview shows them beside the timeline) */
  | { type: 'insights'; insights: Insights }
  /** a load failed; show why */
  | { type: 'error'; message: string }
  /** the comparison page (webview/compare.ts): two traces' figures side by side, and each one's insights */
  | CompareMessage;

/** host -> comparison page: everything it shows (it computes nothing but chart layout) */
export interface CompareMessage {
  type: 'compare';
  comparison: Comparison;
  a: Insights;
  b: Insights;
}

/** webview -> host */
export type ViewToHost =
  | { type: 'ready' }
  /** the user asked to open the source of an event */
  | { type: 'openSource'; file: string; line: number; column: number }
  /** the webview's restorable state changed (VS Code setState is done by the webview itself) */
  | { type: 'selection'; pid: number; threadId: number; ts: number; kind: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };
