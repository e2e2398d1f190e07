// (c) A lone player gets a bot opponent within the bots' wait time.
import { BotService } from '../../../lib/bot-service';
import { NAMESPACE } from '../../../lib/labels';
import { loadSettings } from '../../../backend/bots/src/settings';
import { Scenario } from '../context';
import { loneVersusBot } from '../duel';

export const botOpponent: Scenario = {
  id: 'c',
  title: 'a lone player gets a bot opponent',
  async run(ctx) {
    // The wait the bots run with: their Deployment's BOT_JOIN_AFTER_SECONDS, else the bot service's default.
    const bots = await ctx.kube.json(['get', 'deployment', BotService.NAME, '-n', NAMESPACE]);
    const env = Object.fromEntries((bots.spec.template.spec.containers[0].env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
    const joinAfter = loadSettings({ COLYSEUS_URL: 'ws://unused', REDIS_URL: 'redis://unused', BOT_SERVICE_SECRET: 'unused', ...env, PORT: '' }).joinAfterSeconds;
    const result = await loneVersusBot(await ctx.server(), joinAfter, 60);
    ctx.log(`${result.botId} joined duel ${result.roomId} after ${result.waitedSeconds.toFixed(0)} s (bots join after ${joinAfter} s)`);
  },
};
