// Who may join a duel: players with a token signed by COLYSEUS_RESERVATION_SECRET, bots with one
// signed by BOT_SERVICE_SECRET. HS256 only; the token's `sub` is the player id.
import { jwtVerify } from 'jose';

export interface Identity {
  readonly id: string;
  readonly isBot: boolean;
}

export class AuthError extends Error {}

export async function verifyToken(token: string | undefined, secrets: { reservationSecret: string; botSecret: string }): Promise<Identity> {
  if (!token) throw new AuthError('a token is required');
  for (const [secret, isBot] of [[secrets.reservationSecret, false], [secrets.botSecret, true]] as const) {
    try {
      const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || !payload.sub) throw new AuthError('the token has no subject');
      return { id: payload.sub, isBot };
    } catch (error) {
      if (error instanceof AuthError) throw error;
      // an expired token or another signature: try the other secret, then give up
    }
  }
  throw new AuthError('invalid or expired token');
}
