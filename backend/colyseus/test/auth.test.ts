import { SignJWT, UnsecuredJWT } from 'jose';
import { verifyToken } from '../src/auth';
import { BOT_SECRET, PLAYER_SECRET, sign } from './harness';

const secrets = { reservationSecret: PLAYER_SECRET, botSecret: BOT_SECRET };

test('a player token signed with COLYSEUS_RESERVATION_SECRET', async () => {
  expect(await verifyToken(await sign('alice'), secrets)).toEqual({ id: 'alice', isBot: false });
});

test('a bot token signed with BOT_SERVICE_SECRET', async () => {
  expect(await verifyToken(await sign('bot-1', BOT_SECRET), secrets)).toEqual({ id: 'bot-1', isBot: true });
});

test.each([
  ['no token', async () => undefined],
  ['an unsigned token (alg none)', async () => new UnsecuredJWT({}).setSubject('mallory').encode()],
  ['an expired token', async () => sign('alice', PLAYER_SECRET, Math.floor(Date.now() / 1000) - 60)],
  ['a token signed with another secret', async () => sign('mallory', 'not-our-secret')],
  ['a token without subject', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(PLAYER_SECRET))],
  ['garbage', async () => 'not.a.jwt'],
])('rejects %s', async (_, token) => {
  await expect(verifyToken(await token(), secrets)).rejects.toThrow(/token/);
});
