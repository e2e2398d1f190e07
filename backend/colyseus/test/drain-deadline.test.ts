import { DRAIN_MARGIN_SECONDS, drainDeadline, timeLeftMs } from '../src/drain';

/** The pod's grace period the cdk8s app gives the game server: MATCH_SECONDS + 60 (lib/, README). */
const graceSeconds = (matchSeconds: number) => matchSeconds + 60;
/** The preStop pause before SIGTERM, which the grace period includes (README, Draining). */
const PRE_STOP_SECONDS = 5;

describe('the drain deadline', () => {
  it('is taken once at SIGTERM and ends inside the grace period, with time to exit', () => {
    for (const matchSeconds of [60, 900, 1800]) {
      const sigterm = 1_000_000;
      const deadline = drainDeadline(sigterm, matchSeconds);
      // a match that starts just before SIGTERM still ends, and a judgement made in time is waited for
      expect(deadline - sigterm).toBeGreaterThan(matchSeconds * 1000);
      expect(deadline - sigterm).toBe((matchSeconds + DRAIN_MARGIN_SECONDS) * 1000);
      // 5 s left to close the stores and exit
      expect(deadline - sigterm).toBeLessThanOrEqual((graceSeconds(matchSeconds) - PRE_STOP_SECONDS - 5) * 1000);
    }
  });

  it('gives later steps only the time left, never more than their own cap, never negative', () => {
    const deadline = drainDeadline(0, 900);
    // rooms took 940 s: relayed players and unsaved results share the 10 s left
    expect(timeLeftMs(deadline, 940_000)).toBe(10_000);
    expect(timeLeftMs(deadline, 940_000, 20_000)).toBe(10_000);
    // rooms closed early: results keep their own cap (RESULTS_DRAIN_SECONDS)
    expect(timeLeftMs(deadline, 100_000, 20_000)).toBe(20_000);
    // past the deadline: nothing left
    expect(timeLeftMs(deadline, 960_000)).toBe(0);
  });
});
