// The bot service: watches for humans waiting alone, sends bots, serves /healthz and /readyz.
import * as http from 'http';
import Redis from 'ioredis';
import { BotPlayer } from './bot-player';
import { Settings, SettingsError, loadSettings } from './settings';
import { WaitingDuels } from './waiting-duels';

function main(settings: Settings): void {
  const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 2 });
  const waiting = new WaitingDuels(redis);
  const players = new Set<BotPlayer>();
  let draining = false;
  const log = (line: string) => console.log(line);
  if (!settings.openaiApiKey) log('OPENAI_API_KEY is not set: bots submit the problems\' reference solutions.');

  const sendBots = async () => {
    for (const roomId of await waiting.waitedLongerThan(settings.joinAfterSeconds)) {
      if (draining || players.size >= settings.maxDuels) return;
      const player = new BotPlayer(settings, log);
      if (!(await waiting.claim(roomId, player.id))) continue;
      players.add(player);
      player.play(roomId)
        .catch(async error => {
          log(`${player.id} could not play ${roomId}: ${error.message}`);
          await waiting.forget(roomId).catch(() => undefined);
        })
        .finally(() => players.delete(player));
    }
  };
  const loop = setInterval(() => { sendBots().catch(error => log(`watching for waiting duels failed: ${error.message}`)); }, 1000);

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
    clearInterval(loop);
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
