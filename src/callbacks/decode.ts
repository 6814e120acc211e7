/** Records as Redis keeps them (hash fields, JSON history lines) -> the typed records. */
import { ErrorCodes, NevermissError } from '../errors.js';
import { isCallbackStatus, isHistoryEvent, type CallbackStatus, type HistoryEntry } from './lifecycle.js';
import { isFollowUpState, isReachedVia, type Callback, type CallLogEntry } from './types.js';

export function isFields(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null;
}

export function toCallback(f: Record<string, string>): Callback {
  const callback: Callback = {
    id: f['id'] ?? '',
    caller: f['caller'] ?? '',
    ...(f['callerName'] ? { callerName: f['callerName'] } : {}),
    called: f['called'] ?? '',
    route: f['route'] ?? '',
    status: isCallbackStatus(f['status'] ?? '') ? (f['status'] as CallbackStatus) : 'pending',
    createdAt: Number(f['createdAt']),
    dueAt: Number(f['dueAt']),
    lastAttemptAt: Number(f['lastAttemptAt']),
    attempts: Number(f['attempts']),
    dialAttempts: Number(f['dialAttempts'] ?? 0),
    language: f['language'] ?? 'en',
    ...(f['dialingBy'] === undefined ? {} : { dialingBy: f['dialingBy'] }),
    ...(f['dialId'] === undefined ? {} : { dialId: f['dialId'] }),
    ...(f['dialStartedAt'] === undefined ? {} : { dialStartedAt: Number(f['dialStartedAt']) }),
    ...(f['dialLeaseUntil'] === undefined ? {} : { dialLeaseUntil: Number(f['dialLeaseUntil']) }),
    ...(isFollowUpState(f['followUp']) ? { followUp: f['followUp'] } : {}),
    ...(f['talkMs'] === undefined ? {} : { talkMs: Number(f['talkMs']) }),
    ...(f['reachedAt'] === undefined ? {} : { reachedAt: Number(f['reachedAt']) }),
    ...(isReachedVia(f['reachedVia']) ? { reachedVia: f['reachedVia'] } : {}),
  };
  if (f['closedAt'] !== undefined) return { ...callback, closedAt: Number(f['closedAt']), closedBy: f['closedBy'] ?? '' };
  return callback;
}

export function toHistoryEntry(raw: string): HistoryEntry {
  const parsed = JSON.parse(raw) as Record<string, unknown>;
  const status = (value: unknown): CallbackStatus | null => (typeof value === 'string' && isCallbackStatus(value) ? value : null);
  const event = typeof parsed['event'] === 'string' && isHistoryEvent(parsed['event']) ? parsed['event'] : null;
  const to = status(parsed['to']);
  if (event === null || to === null) throw new NevermissError(ErrorCodes.REDIS, `unreadable callback history entry: ${raw}`);
  const entry: HistoryEntry = {
    at: Number(parsed['at']),
    event,
    from: status(parsed['from']),
    to,
    by: typeof parsed['by'] === 'string' ? parsed['by'] : '',
  };
  return typeof parsed['detail'] === 'string' ? { ...entry, detail: parsed['detail'] } : entry;
}

export function toCallLogEntry(f: Record<string, string>): CallLogEntry {
  return {
    callId: f['callId'] ?? '',
    caller: f['caller'] ?? '',
    called: f['called'] ?? '',
    route: f['route'] ?? '',
    startedAt: Number(f['startedAt']),
    endedAt: Number(f['endedAt']),
    outcome: JSON.parse(f['outcome'] ?? 'null') as CallLogEntry['outcome'],
  };
}
