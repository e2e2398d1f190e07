// store-recovery.ts also holds Colyseus' own steps; jest cannot load @colyseus/core's ES modules,
// and these tests inject their own steps.
jest.mock('@colyseus/core', () => ({ matchMaker: {} }));
import { restoreOnReturn } from '../src/store-recovery';

/** Stands in for RedisClients' two methods restoreOnReturn uses: a return is a call of `back()`. */
function fakeClients() {
  const listeners: (() => void)[] = [];
  return {
    ready: () => true,
    onReturn: (listener: () => void) => { listeners.push(listener); },
    back: () => listeners.forEach(listener => listener()),
  };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise(resolve => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
};

describe('restoreOnReturn', () => {
  it('stays not restored when Redis flaps during a restore, until the later restore ran', async () => {
    const runs: (() => void)[] = [];
    // each run of the step waits until the test lets it finish
    const step = { name: 'listings', run: () => new Promise<void>(resolve => runs.push(resolve)) };
    const clients = fakeClients();
    const restored = restoreOnReturn(clients, [step], () => undefined);
    expect(restored()).toBe(true);

    clients.back();
    expect(restored()).toBe(false);
    await until(() => runs.length === 1);
    // Redis goes and comes back (maybe empty again) while the first restore runs
    clients.back();
    runs[0]();
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(restored()).toBe(false);

    await until(() => runs.length === 2);
    expect(restored()).toBe(false);
    runs[1]();
    await until(() => restored());
  });

  it('is restored after a single return once the steps succeed', async () => {
    const clients = fakeClients();
    let ran = 0;
    const restored = restoreOnReturn(clients, [{ name: 'stats', run: async () => { ran += 1; } }], () => undefined);
    clients.back();
    expect(restored()).toBe(false);
    await until(() => restored());
    expect(ran).toBe(1);
  });
});
