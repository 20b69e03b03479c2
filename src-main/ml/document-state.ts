import type { LstmRunner, LstmState } from './lstm-runner.ts';
import { commonPrefix } from './document-cache.ts';
import type { CharTokenizer } from './tokenizer.ts';

interface Snapshot {
  /** Offset (UTF-16 index) in the document up to which this state has read. */
  pos: number;
  state: LstmState;
}

export interface UpdateStats {
  /** Characters run through the LSTM for this update. */
  fed: number;
  /** Where feeding resumed (a cached snapshot or the end of the text already read). */
  resumedAt: number;
}

/**
 * The LSTM state for the text before a document's cursor, kept current as the writer types.
 * Appending feeds only the new characters; an edit earlier in the text rolls back to the nearest
 * cached snapshot before it. Only the last `maxContext` characters are read when starting afresh,
 * so opening a long document costs a bounded amount of work.
 */
export class DocumentState {
  /** The text whose characters from `origin` on have been fed. */
  private read = '';
  private origin = 0;
  private state: LstmState;
  private snapshots: Snapshot[] = [];

  constructor(
    private readonly runner: LstmRunner,
    private readonly tok: CharTokenizer,
    private readonly snapshotEvery = 128,
    private readonly maxContext = 4096,
  ) {
    this.state = runner.zeroState();
  }

  /** The state after the text last passed to `update`. */
  get current(): LstmState {
    return this.state;
  }

  /**
   * Reads `text` (the document up to the cursor). `onChar`, if given, sees each character as it is
   * fed, with the state just before it (ml/mix-weight.ts reads the LSTM's prediction of it there).
   */
  update(text: string, onChar?: (pos: number, before: LstmState, id: number) => void): UpdateStats {
    const common = commonPrefix(this.read, text);
    if (common < this.read.length) {
      // An edit inside what was read: go back to the last snapshot at or before it.
      while (this.snapshots.length && this.snapshots[this.snapshots.length - 1].pos > common) this.snapshots.pop();
      const snap = this.snapshots.at(-1);
      if (common < this.origin) this.reset(text);
      else {
        this.state = snap ? this.runner.clone(snap.state) : this.runner.zeroState();
        this.read = text.slice(0, snap ? snap.pos : this.origin);
      }
    }
    // Far more new text than the context we keep (a document just opened): start at its window.
    if (text.length - this.read.length > this.maxContext) this.reset(text);
    const from = this.read.length;
    let fed = 0;
    let pos = from;
    let lastSnap = this.snapshots.at(-1)?.pos ?? this.origin;
    for (const ch of text.slice(from)) {
      const id = this.tok.id(ch);
      if (id >= 0) {
        onChar?.(pos, this.state, id);
        this.runner.step(this.state, id);
        fed++;
      }
      pos += ch.length;
      if (pos - lastSnap >= this.snapshotEvery) {
        this.snapshots.push({ pos, state: this.runner.clone(this.state) });
        lastSnap = pos;
      }
    }
    this.read = text;
    return { fed, resumedAt: from };
  }

  private reset(text: string): void {
    this.state = this.runner.zeroState();
    this.snapshots = [];
    this.origin = contextStart(text, this.maxContext);
    this.read = text.slice(0, this.origin);
  }
}

/** Where to start reading a long text: at most `max` characters back, at a line start if one is near. */
function contextStart(text: string, max: number): number {
  if (text.length <= max) return 0;
  const from = text.length - max;
  const nl = text.indexOf('\n', from);
  return nl >= 0 && nl < text.length - max / 2 ? nl + 1 : from;
}
