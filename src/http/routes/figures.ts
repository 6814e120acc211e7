/**
 * The figures of a period (src/figures): GET /api/report?from=YYYY-MM-DD&to=YYYY-MM-DD, days in
 * the firm's time zone. It only reads, so a read-only credential may ask for it (scope read).
 */
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { ErrorCodes } from '../../errors.js';
import { sendCoded } from '../replies.js';
import { ErrorBody } from '../schemas.js';
import type { HttpDeps } from '../server.js';

// The dates are read by src/figures/period.ts, whose errors say what a date must look like.
const day = z.string().max(32).optional();

export const ReportQuery = z.strictObject({
  from: day.describe('The first day (YYYY-MM-DD, firm\'s time zone); alone: from then until today'),
  to: day.describe('The last day; alone: that one day. Neither: today'),
});

/** The report's frame; its figures are described in src/figures/report.ts (Report). */
const ReportJson = z
  .looseObject({
    period: z.object({ from: z.string(), to: z.string(), timezone: z.string(), start: z.string(), end: z.string() }),
    generatedAt: z.string(),
  })
  .describe('calls, callbacks, perDay and perHour: see src/figures/report.ts');

export const figuresRoutes: FastifyPluginCallbackZod<HttpDeps> = (app, deps, done) => {
  app.get('/api/report', {
    config: { scope: 'read' },
    schema: {
      summary: 'The figures of a period: calls, who answered, callbacks kept within the promise, times to call back, per day and hour',
      tags: ['figures'],
      querystring: ReportQuery,
      response: { 200: ReportJson, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
    },
  }, async (request, reply) => {
    if (!deps.report) return reply.code(404).send({ code: ErrorCodes.USAGE, message: 'this server has no figures' });
    try {
      const report: z.output<typeof ReportJson> = { ...(await deps.report({ from: request.query.from, to: request.query.to })) };
      return report;
    } catch (err) {
      return sendCoded(reply, err);
    }
  });
  done();
};
