// What one submission may be, shared by the room (which checks it) and the transport (whose
// maxPayload must let it through: ws-transport's 4 KiB default closes a bigger message with
// 1009, and the SDK does not reconnect on 1009; FIELD-NOTES, Colyseus).

export const MAX_SOURCE_BYTES = 64 * 1024;
/**
 * Largest WebSocket message the transport accepts (its maxPayload): a `submit` of the largest
 * source plus its msgpack envelope (message type, `language_id`, keys: well under 1 KiB).
 */
export const MAX_MESSAGE_BYTES = MAX_SOURCE_BYTES + 1024;
/** Seconds between two submissions of one player: each costs Judge0 work (and quota). */
export const SUBMIT_COOLDOWN_SECONDS = 3;
