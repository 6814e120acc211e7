/**
 * The API under /api: callbacks, the status switch, follow-up jobs, the dialplan's outbound
 * report, and the administrator's routes. Each route declares the scope it needs (config.scope);
 * the guard (auth/guard.ts) has checked it before a handler runs, and `principalOf(request)` says
 * who acts, for the history.
 */
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { callbackToJson } from '../../callbacks/types.js';
import { jobToJson } from '../../callbacks/job-queue.js';
import type { OwnerStatus } from '../../callbacks/status.js';
import { parseDuration } from '../../config/duration.js';
import { actorOf, principalOf } from '../auth/principal.js';
import { sendCoded } from '../replies.js';
import {
  CallbackIdParams,
  CallbackJson,
  ConfigStateJson,
  DialBody,
  DialStarted,
  ErrorBody,
  HistoryEntryJson,
  JobJson,
  NoteBody,
  OutboundReport,
  OutboundResult,
  ReportJson,
  ReportQuery,
  StatusBody,
  StatusJson,
} from '../schemas.js';
import type { ConfigStateView, HttpDeps } from '../server.js';

const refusals = { 401: ErrorBody, 403: ErrorBody };

export const apiRoutes: FastifyPluginCallbackZod<HttpDeps> = (app, deps, done) => {
  app.get('/api/callbacks', {
    config: { scope: 'read' },
    schema: { summary: 'Pending callbacks, soonest due first', tags: ['callbacks'], response: { 200: z.array(CallbackJson), ...refusals } },
  }, async () => {
    const now = deps.clock.now();
    return (await deps.store.listPending()).map((cb) => callbackToJson(cb, now, deps.callable?.()));
  });

  app.post('/api/callbacks/:id/done', {
    config: { scope: 'act' },
    schema: {
      summary: 'Close a callback: the customer was reached',
      tags: ['callbacks'],
      params: CallbackIdParams,
      body: NoteBody,
      response: { 200: CallbackJson, 404: ErrorBody, 409: ErrorBody, ...refusals },
    },
  }, async (request, reply) => {
    try {
      const closed = await deps.store.close(request.params.id, 'done', actorOf(principalOf(request)), deps.clock.now(), request.body?.note ?? '');
      await deps.onClosed?.(closed);
      return callbackToJson(closed, deps.clock.now(), deps.callable?.());
    } catch (err) {
      return sendCoded(reply, err);
    }
  });

  app.post('/api/callbacks/:id/dial', {
    config: { scope: 'act' },
    schema: {
      summary: 'Call back in one step: ring a person, then the customer',
      description: 'The person\'s phones ring; whoever answers hears who to call back and presses 1; then the customer is dialled.',
      tags: ['callbacks'],
      params: CallbackIdParams,
      body: DialBody,
      response: { 202: DialStarted, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody, ...refusals },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const person = request.body?.by ?? principal.person;
    try {
      return await reply.code(202).send(await deps.dialBack(request.params.id, person, actorOf(principal)));
    } catch (err) {
      return sendCoded(reply, err);
    }
  });

  app.get('/api/callbacks/:id/history', {
    config: { scope: 'read' },
    schema: { summary: 'Every change of a callback, oldest first', tags: ['callbacks'], params: CallbackIdParams, response: { 200: z.array(HistoryEntryJson), 404: ErrorBody, ...refusals } },
  }, async (request, reply) => {
    try {
      return (await deps.store.history(request.params.id)).map((entry) => ({ ...entry, at: new Date(entry.at).toISOString() }));
    } catch (err) {
      return sendCoded(reply, err);
    }
  });

  app.get('/api/jobs', {
    config: { scope: 'read' },
    schema: { summary: 'Follow-up jobs still to run or running (BullMQ): notifications, reminders, escalations, text-backs', tags: ['callbacks'], response: { 200: z.array(JobJson), ...refusals } },
  }, async () => {
    return (await deps.jobs()).map(jobToJson);
  });

  app.get('/api/report', {
    config: { scope: 'read' },
    schema: {
      summary: 'The figures of a period: calls, who answered, callbacks kept within the promise',
      description:
        'Whole days in the firm\'s time zone (at most 366): calls by outcome, answers by person, phone and hunt step, the callbacks ' +
        'promised in the period (kept, late, failed, cancelled, open, overdue), times to answer and to call back, per day and per local hour. ' +
        'The same JSON as `nevermiss report --json`; docs/decisions/0017 defines each figure.',
      tags: ['figures'],
      querystring: ReportQuery,
      response: { 200: ReportJson, 400: ErrorBody, ...refusals },
    },
  }, async (request, reply) => {
    try {
      return await deps.report(request.query);
    } catch (err) {
      return sendCoded(reply, err);
    }
  });

  app.get('/api/status', {
    config: { scope: 'read' },
    schema: { summary: 'The owner\'s status switch', tags: ['status'], response: { 200: StatusJson, ...refusals } },
  }, async () => statusToJson(await deps.status.get(deps.clock.now())));

  app.put('/api/status', {
    config: { scope: 'act' },
    schema: { summary: 'Set the owner\'s status switch', tags: ['status'], body: StatusBody, response: { 200: StatusJson, 400: ErrorBody, ...refusals } },
  }, async (request) => {
    const now = deps.clock.now();
    const until = request.body.for === undefined ? null : now + parseDuration(request.body.for);
    return statusToJson(await deps.status.set(request.body.mode, { until, by: actorOf(principalOf(request)), now }));
  });

  app.post('/api/hooks/outbound', {
    config: { scope: 'report' },
    schema: {
      summary: 'The dialplan\'s report of an answered outbound call',
      description: 'Sent by dialplan/nevermiss.conf ([nevermiss-outbound-report]) as a form, with the report token. Closes the callback of the number called when the call lasted callbacks.minTalk.',
      tags: ['pbx'],
      consumes: ['application/x-www-form-urlencoded', 'application/json'],
      body: OutboundReport,
      response: { 200: OutboundResult, 400: ErrorBody, ...refusals },
    },
  }, async (request) => {
    const { number, answered, from } = request.body;
    const closed = await deps.outboundCall({ number, answeredSec: answered, from: from ?? '' });
    return { closed: closed?.id ?? null };
  });

  app.post('/api/reload', {
    config: { scope: 'admin' },
    schema: { summary: 'Reload the config file; a file with problems is refused and the rules stay', tags: ['admin'], response: { 200: ConfigStateJson, 422: ConfigStateJson, ...refusals } },
  }, async (_request, reply) => {
    const state = deps.reload();
    return reply.code(state.rejected ? 422 : 200).send(configStateToJson(state));
  });

  app.get('/api/admin/config', {
    config: { scope: 'admin' },
    schema: { summary: 'Which config file runs, since when, and the problems of a refused reload', tags: ['admin'], response: { 200: ConfigStateJson, ...refusals } },
  }, (_request, reply) => {
    void reply.send(configStateToJson(deps.configState()));
  });

  app.get('/api/openapi.json', {
    config: { scope: 'read' },
    schema: { summary: 'This document', tags: ['admin'] },
  }, (_request, reply) => {
    void reply.send(app.swagger());
  });
  done();
};

function statusToJson(status: OwnerStatus): z.output<typeof StatusJson> {
  return {
    mode: status.mode,
    until: status.until === null ? null : new Date(status.until).toISOString(),
    setBy: status.setBy,
    setAt: status.setAt === 0 ? null : new Date(status.setAt).toISOString(),
  };
}

function configStateToJson(state: ConfigStateView): z.output<typeof ConfigStateJson> {
  return {
    file: state.file,
    loadedAt: new Date(state.loadedAt).toISOString(),
    rejected: state.rejected === null ? null : { at: new Date(state.rejected.at).toISOString(), problems: [...state.rejected.problems] },
  };
}
