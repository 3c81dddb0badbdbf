/**
 * At most one refusal reply per person per issue per window: a person who keeps asking without
 * permission (or over a limit) gets one answer, not a comment storm; every refusal is still logged
 * and recorded. In memory on purpose (a restart costs at most one more reply).
 */
export class RefusalThrottle {
  private readonly last = new Map<string, number>();

  /** `windowMs` 0 answers every refusal. `now` is ms since the epoch. */
  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when a reply to `sender` on `issueKey` may be posted now (and counts it); false within the window. */
  allow(issueKey: string, sender: { id: number }): boolean {
    if (this.windowMs <= 0) return true;
    const key = `${issueKey}\n${sender.id}`;
    const now = this.now();
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < this.windowMs) return false;
    this.last.set(key, now);
    if (this.last.size > 10_000) {
      for (const [k, at] of this.last) if (now - at >= this.windowMs) this.last.delete(k);
    }
    return true;
  }
}
