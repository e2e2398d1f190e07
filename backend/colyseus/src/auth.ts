// Who may join a duel: players with a token signed by COLYSEUS_RESERVATION_SECRET for audience
// PLAYER_AUDIENCE, bots with one signed by BOT_SERVICE_SECRET for audience BOT_AUDIENCE. HS256
// only; `sub` (the player id) and `exp` are required. Distinct audiences mean a player token can
// never act as a bot, even if the two secrets were ever set to the same value.
import { errors, jwtVerify } from 'jose';

/** `aud` of the tokens the game's web backend issues to players. */
export const PLAYER_AUDIENCE = 'codeclashers-player';
/** `aud` of the tokens the bot service (backend/bots) signs for its bots. */
export const BOT_AUDIENCE = 'codeclashers-bot';

export interface Identity {
  readonly id: string;
  readonly isBot: boolean;
  /** The token's `exp`, epoch seconds. */
  readonly expiresAt: number;
}

/** Why a token is refused; `status` is the HTTP status matchmaking answers with. */
export class AuthError extends Error {
  constructor(message: string, readonly status: 401 | 403) {
    super(message);
  }
}

export interface TokenSecrets {
  readonly reservationSecret: string;
  readonly botSecret: string;
}

export async function verifyToken(token: string | undefined, secrets: TokenSecrets): Promise<Identity> {
  if (!token) throw new AuthError('a token is required', 401);
  const kinds = [
    { secret: secrets.reservationSecret, audience: PLAYER_AUDIENCE, isBot: false },
    { secret: secrets.botSecret, audience: BOT_AUDIENCE, isBot: true },
  ];
  let audienceMismatch: string | undefined;
  for (const kind of kinds) {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, new TextEncoder().encode(kind.secret), { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new AuthError('the token has expired', 401);
      if (error instanceof errors.JWTClaimValidationFailed) throw new AuthError(`the token has no valid "${error.claim}" claim`, 401);
      continue; // another signature (or not a JWT): try the other secret, then give up
    }
    const audiences = typeof payload.aud === 'string' ? [payload.aud] : payload.aud ?? [];
    if (!audiences.includes(kind.audience)) {
      audienceMismatch = `the token's audience ${JSON.stringify(payload.aud ?? null)} is not "${kind.audience}"`;
      continue;
    }
    if (typeof payload.sub !== 'string' || !payload.sub) throw new AuthError('the token has no subject', 401);
    return { id: payload.sub, isBot: kind.isBot, expiresAt: payload.exp! };
  }
  if (audienceMismatch) throw new AuthError(audienceMismatch, 403);
  throw new AuthError('invalid token', 401);
}

/** Re-check at join time (a seat reserved at matchmaking is consumed up to 15 s later). */
export function isCurrentIdentity(auth: unknown, now = Date.now()): auth is Identity {
  const identity = auth as Identity | undefined;
  return !!identity && typeof identity.id === 'string' && !!identity.id && typeof identity.isBot === 'boolean'
    && typeof identity.expiresAt === 'number' && identity.expiresAt * 1000 > now;
}
