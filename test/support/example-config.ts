/** The documented example config, and the environment its `${VAR}` secrets are read from in tests. */
import { fileURLToPath } from 'node:url';

export const EXAMPLE_FILE = fileURLToPath(new URL('../../config/nevermiss.example.yaml', import.meta.url));

export const EXAMPLE_ENV = {
  NEVERMISS_ARI_PASSWORD: 'example-secret',
  NEVERMISS_HOOK_SECRET: 'example-hook-secret-0123456789',
  NEVERMISS_ADMIN_TOKEN: 'example-admin-token-0123456789-0123456789',
  NEVERMISS_REPORT_TOKEN: 'example-report-token-0123456789-0123456789',
  NEVERMISS_SESSION_SECRET: 'example-session-secret-0123456789-0123456789',
  NEVERMISS_NTFY_TOKEN: 'tk_example',
  NEVERMISS_SMTP_PASSWORD: 'example-smtp-password',
  NEVERMISS_SMS_TOKEN: 'example-sms-token',
  NEVERMISS_METRICS_TOKEN: 'example-metrics-token-0123456789abcdef',
} as const;
