// Source Map v3 decoding, just enough to turn a generated JS position into its original position:
// parse the map, VLQ-decode `mappings`, look a position up. Pure (no fs, no vscode) so it is unit-tested
// directly; finding the map for a file on disk is sourceLocation.ts's job.

export interface RawSourceMap {
  version: number;
  file?: string;
  sourceRoot?: string;
  sources: (string | null)[];
  names?: string[];
  mappings: string;
  sections?: { offset: { line: number; column: number }; map: RawSourceMap }[];
}

/** 0-based line and column, as the spec stores them. */
export interface MappedPosition {
  /** the `sources` entry with sourceRoot applied, not yet resolved against the map's location */
  source: string;
  line: number;
  column: number;
}

// [generatedColumn, sourceIndex, originalLine, originalColumn] per segment; segments without a
// source (1-field) are kept as column-only markers so they end the previous segment's range.
type Segment = [number, number, number, number] | [number];

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) B64_VALUE[BASE64.charCodeAt(i)] = i;

/** Decodes one base64 VLQ field list (e.g. "AAgBC") into signed integers. */
export function decodeVlq(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const digit = c < 128 ? B64_VALUE[c] : -1;
    if (digit < 0) throw new Error(`invalid base64 VLQ character '${text[i]}'`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
    value = 0;
    shift = 0;
  }
  if (shift !== 0) throw new Error('truncated base64 VLQ value');
  return out;
}

export class SourceMap {
  private readonly lines: Segment[][];
  private readonly sources: (string | null)[];
  private readonly sections?: { line: number; column: number; map: SourceMap }[];

  constructor(raw: RawSourceMap) {
    if (raw.sections) {
      this.lines = [];
      this.sources = [];
      this.sections = raw.sections.map((s) => ({ line: s.offset.line, column: s.offset.column, map: new SourceMap(s.map) }));
      return;
    }
    if (raw.version !== 3) throw new Error(`unsupported source map version ${raw.version}`);
    if (typeof raw.mappings !== 'string' || !Array.isArray(raw.sources)) throw new Error('source map has no mappings or sources');
    const root = raw.sourceRoot ? (raw.sourceRoot.endsWith('/') ? raw.sourceRoot : raw.sourceRoot + '/') : '';
    this.sources = raw.sources.map((s) => (s == null ? null : root + s));
    this.lines = decodeMappings(raw.mappings);
  }

  static parse(json: string): SourceMap {
    let raw: RawSourceMap;
    try {
      raw = JSON.parse(json.replace(/^\)\]\}'[^\n]*\n/, ''));
    } catch (e) {
      throw new Error(`source map is not valid JSON: ${(e as Error).message}`);
    }
    return new SourceMap(raw);
  }

  /** Original position of a generated one (0-based line/column), or undefined when unmapped. */
  originalPositionFor(line: number, column: number): MappedPosition | undefined {
    if (this.sections) {
      let pick: { line: number; column: number; map: SourceMap } | undefined;
      for (const s of this.sections) {
        if (s.line < line || (s.line === line && s.column <= column)) pick = s;
        else break;
      }
      if (!pick) return undefined;
      return pick.map.originalPositionFor(line - pick.line, line === pick.line ? column - pick.column : column);
    }
    const segs = this.lines[line];
    if (!segs || segs.length === 0) return undefined;
    // The last segment starting at or before the column covers it (binary search: segments are sorted).
    let lo = 0;
    let hi = segs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid][0] <= column) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // A position before the first segment of a line (e.g. column 0 of an indented statement) belongs
    // to the line's first segment: that is what a stack trace's column most likely means.
    const seg = segs[found < 0 ? 0 : found];
    if (seg.length === 1) return undefined;
    const source = this.sources[seg[1]];
    if (source == null) return undefined;
    return { source, line: seg[2], column: seg[3] };
  }
}

function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let sourceIndex = 0;
  let origLine = 0;
  let origColumn = 0;
  for (const lineText of mappings.split(';')) {
    const segs: Segment[] = [];
    let genColumn = 0;
    if (lineText) {
      for (const field of lineText.split(',')) {
        if (!field) continue;
        const v = decodeVlq(field);
        genColumn += v[0];
        if (v.length >= 4) {
          sourceIndex += v[1];
          origLine += v[2];
          origColumn += v[3];
          segs.push([genColumn, sourceIndex, origLine, origColumn]);
        } else segs.push([genColumn]);
      }
      segs.sort((a, b) => a[0] - b[0]);
    }
    lines.push(segs);
  }
  return lines;
}
