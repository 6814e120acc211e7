/**
 * Real notification receivers on 127.0.0.1 for end-to-end tests: a webhook endpoint that
 * verifies the HMAC signature over the raw body, and an SMTP server that keeps the mails.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer } from 'smtp-server';

export interface Delivery {
  readonly path: string;
  readonly kind: string;
  readonly deliveryId: string;
  readonly signatureValid: boolean;
  readonly body: Record<string, unknown>;
  readonly at: number;
}

export interface Mail {
  readonly to: readonly string[];
  readonly raw: string;
}

export interface Receivers {
  readonly webhookUrl: (path: string) => string;
  readonly smtpUrl: string;
  readonly deliveries: Delivery[];
  readonly mails: Mail[];
  /** Bodies posted to the SMS gateway path (/sms), which takes them unsigned, as gateways do. */
  readonly texts: Array<Record<string, unknown>>;
  waitFor<T>(find: () => T | undefined, what: string, timeoutMs?: number): Promise<T>;
  /** Requests to `path` are kept waiting `ms` before the answer (recorded on arrival); 0 ends it. */
  stall(path: string, ms: number): void;
  close(): Promise<void>;
}

export async function startReceivers(secret: string): Promise<Receivers> {
  const deliveries: Delivery[] = [];
  const mails: Mail[] = [];
  const texts: Array<Record<string, unknown>> = [];
  const stalls = new Map<string, number>();
  const http: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const answer = (status: number): void => {
        const ms = stalls.get(req.url ?? '') ?? 0;
        if (ms > 0) setTimeout(() => res.writeHead(status).end(), ms);
        else res.writeHead(status).end();
      };
      if (req.url === '/sms') {
        texts.push(JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>);
        answer(200);
        return;
      }
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-nevermiss-signature'] ?? ''));
      const signatureValid = given.length === expected.length && timingSafeEqual(given, expected);
      deliveries.push({
        path: req.url ?? '',
        kind: String(req.headers['x-nevermiss-event'] ?? ''),
        deliveryId: String(req.headers['x-nevermiss-delivery'] ?? ''),
        signatureValid,
        body: JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>,
        at: Date.now(),
      });
      answer(signatureValid ? 204 : 401);
    });
  });
  const smtp = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((address) => address.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const httpPort = (http.address() as AddressInfo).port;
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  return {
    webhookUrl: (path) => `http://127.0.0.1:${httpPort}${path}`,
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    deliveries,
    mails,
    texts,
    async waitFor(find, what, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = find();
        if (found !== undefined) return found;
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}; deliveries: ${JSON.stringify(deliveries.map((d) => [d.path, d.kind]))}`);
        await sleep(100);
      }
    },
    stall(path, ms) {
      if (ms > 0) stalls.set(path, ms);
      else stalls.delete(path);
    },
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await new Promise<void>((resolve) => smtp.close(resolve));
    },
  };
}
