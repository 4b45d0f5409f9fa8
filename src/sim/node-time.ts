/**
 * A simulated node's own sense of time over virtual time: a fixed skew (`clockSkew`) and a
 * drift rate (`clockDrift`, parts per million) from when the drift was set. Its clock reads
 * local time; a timer of d local ms fires after d / (1 + ppm / 10^6) virtual ms.
 */
export class NodeTime {
  skewMs = 0;
  private ppm = 0;
  private driftFrom = 0;
  /** Local ms gained (or lost) by drifts before `driftFrom`. */
  private drifted = 0;

  /** From virtual time `now` the clock gains `ppm` millionths of a ms per ms (negative: loses). */
  setDrift(ppm: number, now: number): void {
    if (!(ppm > -1e6)) throw new RangeError(`a clock cannot lose ${ppm} ppm: it would stop or run backwards`);
    this.drifted += ((now - this.driftFrom) * this.ppm) / 1e6;
    this.driftFrom = now;
    this.ppm = ppm;
  }

  /** Local time at virtual time `now`, in whole ms. */
  local(now: number): number {
    if (this.ppm === 0 && this.drifted === 0) return now + this.skewMs;
    return now + this.skewMs + Math.floor(this.drifted + ((now - this.driftFrom) * this.ppm) / 1e6);
  }

  /** The virtual ms a timer of `ms` local ms takes. */
  virtualDelay(ms: number): number {
    const d = Math.max(0, ms);
    return this.ppm === 0 ? d : Math.ceil((d * 1e6) / (1e6 + this.ppm));
  }
}
