/**
 * Background work gives way to typing. Fitting the base to an import and learning from drafts
 * run in processes of their own at a low priority, but on a two-core laptop that still costs the
 * keystroke: a suggestion's p95 went from 13 ms to 18–25 ms while a fit ran (bench/README.md
 * "Typing while the base is fitted"), since priority decides who waits for a core, not whether the
 * caches and the memory bus are shared. So while the writer types, those processes are stopped
 * outright (MlHost.pause, SIGSTOP) and let go `quietMs` after the last keystroke: the work waits
 * for the pauses every writer makes, and the keystroke has the machine to itself.
 *
 * Never stopped for more than `maxPauseMs` at a stretch (then given `breatheMs` to run), so a
 * process stopped while it held SQLite's write lock (a moment at the end of a fit, a checkpoint
 * of learning) lets it go well inside the database's 10 s busy timeout, however long the typing.
 * The suggestion host and a training run the writer started are never paused.
 */
export interface Pausable {
  /** True when it is now paused (or already was). */
  pause(): boolean;
  resume(): void;
}

export interface GiveWayTimes {
  quietMs: number;
  maxPauseMs: number;
  breatheMs: number;
}

export const GIVE_WAY: GiveWayTimes = { quietMs: 600, maxPauseMs: 3000, breatheMs: 300 };

export class GiveWay {
  private readonly paused = new Map<Pausable, number>();
  private readonly breatheUntil = new WeakMap<Pausable, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly times: GiveWayTimes = GIVE_WAY,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** A keystroke: pause these (the background hosts running now) until typing stops. */
  typed(hosts: Pausable[]): void {
    if (!hosts.length && !this.paused.size) return;
    const t = this.now();
    for (const h of hosts) {
      const since = this.paused.get(h);
      if (since !== undefined) {
        if (t - since >= this.times.maxPauseMs) {
          h.resume();
          this.paused.delete(h);
          this.breatheUntil.set(h, t + this.times.breatheMs);
        }
      } else if ((this.breatheUntil.get(h) ?? 0) <= t && h.pause()) this.paused.set(h, t);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.release(), this.times.quietMs);
    this.timer.unref?.();
  }

  /** Lets everything paused go on (typing stopped; a host is about to be closed or asked to stop). */
  release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const h of this.paused.keys()) h.resume();
    this.paused.clear();
  }

  get pausedCount(): number {
    return this.paused.size;
  }
}
