// The bot service: watches for humans waiting alone, sends bots, serves /healthz and /readyz.
import * as http from 'http';
import Redis from 'ioredis';
import { BotPlayer, ROOM_NOT_JOINABLE } from './bot-player';
import { redisOptions } from './redis-options';
import { Settings, SettingsError, loadSettings } from './settings';
import { WaitingDuels } from './waiting-duels';

function main(settings: Settings): void {
  const redis = new Redis(settings.redisUrl, redisOptions());
  const waiting = new WaitingDuels(redis);
  const players = new Set<BotPlayer>();
  let draining = false;
  const log = (line: string) => console.log(line);
  // a rejection nobody awaited (the SDK's, say, with the game server away) must not end the service
  process.on('unhandledRejection', reason => log(`unhandled rejection (the service keeps running): ${(reason as Error)?.message ?? reason}`));
  let redisLost = false;
  redis.on('error', (error: Error) => {
    if (!redisLost) log(`Redis unreachable, retrying: ${error.message}`);
    redisLost = true;
  });
  redis.on('ready', () => {
    if (redisLost) log('Redis is back');
    redisLost = false;
  });
  if (!settings.openaiApiKey) log('OPENAI_API_KEY is not set: bots submit the problems\' reference solutions.');

  const sendBots = async () => {
    for (const roomId of await waiting.waitedLongerThan(settings.joinAfterSeconds)) {
      if (draining || players.size >= settings.maxDuels) return;
      const player = new BotPlayer(settings, log);
      if (!(await waiting.claim(roomId, player.id))) continue;
      players.add(player);
      player.play(roomId)
        .catch(async error => {
          if (error?.code === ROOM_NOT_JOINABLE) {
            // gone or started: it waits no more (the game server writes it again if it still waits)
            log(`${player.id}: duel ${roomId} no longer waits (${error.message}); forgetting it`);
            await waiting.forget(roomId).catch(() => undefined);
          } else {
            // the game server or Redis away, a refused token...: let the next poll try again
            log(`${player.id} could not join ${roomId}, will retry: ${error?.message ?? error}`);
            await waiting.release(roomId, player.id).catch(() => undefined);
          }
        })
        .finally(() => players.delete(player));
    }
  };
  // Poll every second; after failures back off, doubling up to POLL_MAX_MS (a recovered Redis is
  // seen within that), and say so once per streak rather than every poll.
  const POLL_MS = 1_000;
  const POLL_MAX_MS = 5_000;
  let failures = 0;
  let loop: NodeJS.Timeout | undefined;
  const poll = async () => {
    try {
      await sendBots();
      if (failures > 0) log('watching for waiting duels again');
      failures = 0;
    } catch (error) {
      if (failures === 0) log(`watching for waiting duels failed, retrying with backoff: ${(error as Error).message}`);
      failures++;
    }
    if (!draining) loop = setTimeout(poll, Math.min(POLL_MS * 2 ** failures, POLL_MAX_MS));
  };
  loop = setTimeout(poll, POLL_MS);

  const health = http.createServer(async (req, res) => {
    if (req.url === '/healthz') {
      res.end('ok');
    } else if (req.url === '/readyz') {
      const redisUp = await redis.ping().then(() => true, () => false);
      res.statusCode = !draining && redisUp ? 200 : 503;
      res.end(draining ? 'draining' : redisUp ? 'ready' : 'redis unreachable');
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  health.listen(settings.port, () => log(`bot service ready (health on ${settings.port}), joining duels after ${settings.joinAfterSeconds} s`));

  process.once('SIGTERM', async () => {
    draining = true;
    clearTimeout(loop);
    log(`SIGTERM: forfeiting ${players.size} duel(s) and leaving.`);
    await Promise.all([...players].map(p => p.forfeit()));
    health.close();
    redis.disconnect();
    process.exit(0);
  });
}

try {
  main(loadSettings(process.env));
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  console.error(`error: ${error.message}`);
  process.exit(1);
}
