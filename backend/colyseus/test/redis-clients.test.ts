import { RedisClients } from '../src/redis-clients';
import { eventually, freePort, sleep } from './harness';

test('a start-up wait for Redis is said once per client, not once per retry', async () => {
  const port = await freePort(); // nothing listens there: Redis not up yet
  const lines: string[] = [];
  const clients = new RedisClients(`redis://127.0.0.1:${port}/0`, line => lines.push(line));
  try {
    await eventually(() => lines.length === 3, 10_000, 'three waiting lines');
    await sleep(1_500); // several reconnection attempts later
    expect(lines.sort()).toEqual(['driver', 'presence', 'service'].map(name => expect.stringMatching(new RegExp(`^waiting for Redis \\(${name}\\): .*ECONNREFUSED`))));
    expect(clients.ready()).toBe(false);
  } finally {
    [clients.presence, clients.driver, clients.service].forEach(client => client.disconnect());
  }
});
