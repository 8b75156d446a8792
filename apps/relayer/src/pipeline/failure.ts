import { isExhausted, nextRetryDelayMs, type BackoffPolicy } from './backoff.js';
import type { PacketRecord, PacketStage, PacketStore } from './packet-store.js';

/** Records a failed attempt: `failed` with the next retry time, or `dead` once attempts run out. */
export async function recordFailure(
  store: PacketStore,
  owner: string,
  packet: PacketRecord,
  from: PacketStage,
  reason: string,
  policy: BackoffPolicy,
  detail?: Record<string, unknown>,
): Promise<'failed' | 'dead' | 'lost-lease'> {
  const attempts = packet.attempts + 1;
  const dead = isExhausted(attempts, policy);
  const to = dead ? 'dead' : 'failed';
  const moved = await store.move(packet.guid, from, owner, {
    to,
    reason: dead ? `${reason} (gave up after ${attempts} attempts)` : reason,
    attempts,
    nextAttemptAt: new Date(Date.now() + (dead ? 0 : nextRetryDelayMs(attempts, policy))),
    ...(detail ? { detail } : {}),
  });
  return moved ? to : 'lost-lease';
}
