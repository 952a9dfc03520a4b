// When the canvas asks cms for a new rendering. An isolated change is sent at once (the
// leading edge: nothing to wait for). Changes that follow each other within QUIET_MS (typing)
// are a burst: its renders go out at most once per QUIET_MS, the last change always among
// them. One request at a time: what changes while one is out is sent (the newest tree only)
// once it answers, so answers arrive in the order of the changes and an older one can never be
// painted over a newer one. A request is not aborted for a newer change: in a long burst that
// would leave the canvas showing nothing new until the typing stopped.

export const QUIET_MS = 150;

export interface RenderRequest<T> {
  value: T;
  /** Counts the changes: a later request always has a higher number. */
  seq: number;
  changedAt: number;
  sentAt: number;
  /** Sent later than the change: after a burst's quiet spell or the answer that was out. */
  deferred: boolean;
}

interface Wanted<T> {
  value: T;
  seq: number;
  changedAt: number;
  due: number;
}

export class RenderSchedule<T> {
  private wanted: Wanted<T> | null = null;
  private inFlight = false;
  private closed = false;
  private lastChange = -Infinity;
  private lastSent = -Infinity;
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (request: RenderRequest<T>) => Promise<void>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A new value to render: sent now, after the burst's quiet spell, or after the answer out. */
  change(value: T): void {
    if (this.closed) return;
    const at = this.now();
    const inBurst = at - this.lastChange < QUIET_MS;
    this.lastChange = at;
    this.wanted = { value, seq: ++this.seq, changedAt: at, due: inBurst ? this.lastSent + QUIET_MS : at };
    this.plan(true);
  }

  /** Whether a change is still to be sent (the canvas is behind the editor). */
  get waiting(): boolean {
    return this.wanted !== null;
  }

  close(): void {
    this.closed = true;
    this.wanted = null;
    clearTimeout(this.timer);
  }

  /** `atChange`: called by the change itself, so a render sent now waited for nothing. */
  private plan(atChange = false): void {
    clearTimeout(this.timer);
    if (this.closed || this.inFlight || !this.wanted) return;
    const delay = this.wanted.due - this.now();
    if (delay <= 0) this.fire(!atChange);
    else this.timer = setTimeout(() => this.fire(true), delay);
  }

  private fire(deferred: boolean): void {
    const wanted = this.wanted;
    if (this.closed || this.inFlight || !wanted) return;
    this.wanted = null;
    this.inFlight = true;
    this.lastSent = this.now();
    this.send({ value: wanted.value, seq: wanted.seq, changedAt: wanted.changedAt, sentAt: this.lastSent, deferred })
      .catch(() => undefined) // the sender shows its own failures; the next change tries again
      .finally(() => {
        this.inFlight = false;
        this.plan();
      });
  }
}
