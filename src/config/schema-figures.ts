/**
 * The config sections about figures and data lifetime: who may read the Prometheus metrics, and
 * how long call logs and closed callbacks are kept. See docs/decisions/0017.
 */
import { z } from 'zod';

import { expecting } from './messages.js';
import { longSecret, SECRET_MIN_LENGTH } from './schema-http.js';
import { listen, settings } from './schema-kit.js';

/**
 * The metrics token is a secret like the API's (schema-http.ts `longSecret`): 32+ printable
 * characters, never repeated in a problem, best given as ${NEVERMISS_METRICS_TOKEN}.
 */
export const METRICS_TOKEN_MIN_LENGTH = SECRET_MIN_LENGTH;

export const DEFAULT_RETENTION = '90d';
const DAY_MS = 24 * 3_600_000;
const RETENTION_DAYS = { min: 1, max: 3650 } as const;
const RETENTION_PHRASE = `a number of days like "90d", between ${RETENTION_DAYS.min}d and ${RETENTION_DAYS.max}d`;

/** Whole days: data is kept for days and months, and "2160h" would be nobody's way of saying 90 days. */
const days = z
  .string({ error: expecting(RETENTION_PHRASE) })
  .regex(/^[0-9]+d$/, { error: expecting(RETENTION_PHRASE), abort: true })
  .refine((text) => {
    const count = Number.parseInt(text, 10);
    return count >= RETENTION_DAYS.min && count <= RETENTION_DAYS.max;
  }, { error: expecting(RETENTION_PHRASE) })
  .transform((text) => Number.parseInt(text, 10) * DAY_MS);

export const MetricsSchema = settings(
  {
    token: longSecret().describe(
      `The bearer token Prometheus sends (Authorization: Bearer <token>); at least ${METRICS_TOKEN_MIN_LENGTH} characters. Give it from the environment: \${NEVERMISS_METRICS_TOKEN}.`,
    ),
    listen: listen
      .optional()
      .describe('host:port of a listener that serves only /metrics, like "127.0.0.1:9464". Without it, /metrics is on http.listen.'),
  },
  'metrics settings with token:',
).describe('Prometheus metrics at /metrics, behind a bearer token. Without this section there is no /metrics.');

export const RetentionSchema = settings(
  {
    keep: days
      .prefault(DEFAULT_RETENTION)
      .describe(
        'How long call-log entries, caller messages and closed callbacks (with their history) are kept, in days (1d to 3650d). Open callbacks are kept until they close. Default 90d.',
      ),
  },
  'retention settings (keep:)',
)
  .prefault({})
  .describe('How long nevermiss keeps what it learns about calls and callers.');
