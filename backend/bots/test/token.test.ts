// The bot's token must carry the audience the game server's static onAuth requires of bots.
import { BOT_AUDIENCE as SERVER_BOT_AUDIENCE, PLAYER_AUDIENCE } from '../../colyseus/src/auth';
import { BOT_AUDIENCE } from '../src/bot-player';

test('bots sign for the audience the game server accepts from bots, not the players\' one', () => {
  expect(BOT_AUDIENCE).toBe(SERVER_BOT_AUDIENCE);
  expect(BOT_AUDIENCE).not.toBe(PLAYER_AUDIENCE);
});
