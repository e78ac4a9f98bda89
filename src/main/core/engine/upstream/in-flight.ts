/**
 * Requests in flight per backend (least-connections reads them, drains wait
 * for them). Reaching zero is an event, so a draining backend is reported
 * drained the moment its last request ends, not at the next poll.
 */
export class InFlight {
  private readonly counts = new Map<number, number>();

  /** `changed` hears every count change; `idle` a backend whose count fell to zero. */
  constructor(
    private readonly changed: () => void,
    private readonly idle: (backendId: number) => void,
  ) {}

  readonly count = (backendId: number): number => this.counts.get(backendId) ?? 0;

  /** Counts a request in flight to `backendId`; its owner calls `end` exactly once (no closure per request to guard it). */
  begin(backendId: number): void {
    this.counts.set(backendId, this.count(backendId) + 1);
    this.changed();
  }

  end(backendId: number): void {
    const left = this.count(backendId) - 1;
    if (left > 0) this.counts.set(backendId, left);
    else this.counts.delete(backendId);
    this.changed();
    if (left <= 0) this.idle(backendId);
  }
}
