import { SignJWT, UnsecuredJWT } from 'jose';
import { AuthError, BOT_AUDIENCE, PLAYER_AUDIENCE, isCurrentIdentity, verifyToken } from '../src/auth';
import { BOT_SECRET, PLAYER_SECRET, sign } from './harness';

const secrets = { reservationSecret: PLAYER_SECRET, botSecret: BOT_SECRET };
const key = (secret: string) => new TextEncoder().encode(secret);

test('a player token signed with COLYSEUS_RESERVATION_SECRET for the player audience', async () => {
  expect(await verifyToken(await sign('alice'), secrets)).toMatchObject({ id: 'alice', isBot: false });
});

test('a bot token signed with BOT_SERVICE_SECRET for the bot audience', async () => {
  expect(await verifyToken(await sign('bot-1', BOT_SECRET), secrets)).toMatchObject({ id: 'bot-1', isBot: true });
});

test.each([
  ['no token', async () => undefined, 401],
  ['an unsigned token (alg none)', async () => new UnsecuredJWT({}).setSubject('mallory').setAudience(PLAYER_AUDIENCE).setExpirationTime('1h').encode(), 401],
  ['an expired token', async () => sign('alice', PLAYER_SECRET, Math.floor(Date.now() / 1000) - 60), 401],
  ['a token signed with another secret', async () => sign('mallory', 'not-our-secret'), 401],
  ['a token without subject', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setAudience(PLAYER_AUDIENCE).setExpirationTime('1h').sign(key(PLAYER_SECRET)), 401],
  ['a token without exp', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setAudience(PLAYER_AUDIENCE).sign(key(PLAYER_SECRET)), 401],
  ['garbage', async () => 'not.a.jwt', 401],
  ['a player-signed token claiming the bot audience', async () => sign('mallory', PLAYER_SECRET, '1h', BOT_AUDIENCE), 403],
  ['a bot-signed token for the player audience', async () => sign('bot-1', BOT_SECRET, '1h', PLAYER_AUDIENCE), 403],
  ['a token without audience', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime('1h').sign(key(PLAYER_SECRET)), 403],
])('rejects %s (%#) with its status', async (_, token, status) => {
  const error = await verifyToken(await token(), secrets).then(() => undefined, e => e);
  expect(error).toBeInstanceOf(AuthError);
  expect(error.status).toBe(status);
});

test('a player token cannot act as a bot even when both secrets are the same value', async () => {
  const same = { reservationSecret: PLAYER_SECRET, botSecret: PLAYER_SECRET };
  expect(await verifyToken(await sign('alice'), same)).toMatchObject({ id: 'alice', isBot: false });
});

test('isCurrentIdentity: expiry is checked again at join time', () => {
  const now = Date.now();
  expect(isCurrentIdentity({ id: 'a', isBot: false, expiresAt: now / 1000 + 10 }, now)).toBe(true);
  expect(isCurrentIdentity({ id: 'a', isBot: false, expiresAt: now / 1000 - 1 }, now)).toBe(false);
  expect(isCurrentIdentity(undefined, now)).toBe(false);
  expect(isCurrentIdentity({ id: 'a', isBot: false }, now)).toBe(false);
});
