/**
 * What the phone page asks of the API beyond the callbacks list and the status switch:
 *   GET  /api/me                          who the credential is, the firm, the people's names, the page's language
 *   GET  /api/callbacks/:id               one callback, open or closed (the page of a callback)
 *   POST /api/callbacks/:id/not-reached   { note? } I called them from my own phone and did not reach them
 *   GET  /api/calls/live                  the calls this instance runs now, and which phones ring for them
 * Each person acts as themselves: the history records the credential's person (actorOf).
 */
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { isOpen } from '../../callbacks/lifecycle.js';
import { callbackToJson } from '../../callbacks/types.js';
import type { LiveCall } from '../../call-flow/live.js';
import type { Config, Language } from '../../config/types.js';
import { ErrorCodes } from '../../errors.js';
import { actorOf, principalOf } from '../auth/principal.js';
import { sendCoded } from '../replies.js';
import { CallbackIdParams, CallbackJson, ErrorBody, NoteBody } from '../schemas.js';
import type { HttpDeps } from '../server.js';

const refusals = { 401: ErrorBody, 403: ErrorBody };
const isoTime = z.string().describe('ISO 8601 time, UTC');

export const MeJson = z.object({
  kind: z.enum(['token', 'session', 'action']),
  name: z.string().describe('The credential\'s name: the person, or the token\'s name'),
  person: z.string().nullable().describe('The person the credential acts as; null for a token of no person'),
  personName: z.string().nullable(),
  scopes: z.array(z.string()),
  language: z.string().describe('The firm\'s language: that of the default route (en, da, de, or one the firm added)'),
  firm: z.object({ name: z.string(), timezone: z.string() }),
  people: z.array(z.object({ id: z.string(), name: z.string() })),
});

const LiveCallJson = z.object({
  callId: z.string(),
  caller: z.string().nullable().describe('E.164; null when withheld'),
  callerName: z.string(),
  called: z.string(),
  route: z.string(),
  startedAt: isoTime,
  state: z.enum(['hunting', 'bridged', 'recording', 'promising', 'message', 'announcing', 'ended']),
  ringing: z.array(z.object({ person: z.string(), phone: z.string(), status: z.enum(['ringing', 'screening']) })),
  answeredBy: z.object({ person: z.string(), phone: z.string(), at: isoTime }).nullable(),
});

export const LiveCallsJson = z.object({
  role: z.enum(['active', 'standby']).describe('Only the active instance runs calls: a standby lists none'),
  calls: z.array(LiveCallJson),
});

/** The page speaks the firm's language: that of the default route (the prompts callers hear). */
export function pageLanguage(config: Config): Language {
  return config.routes[config.defaultRoute]?.language ?? 'en';
}

export const pageApiRoutes: FastifyPluginCallbackZod<HttpDeps> = (app, deps, done) => {
  const noPage = { code: ErrorCodes.USAGE, message: 'this server has no phone page' };

  app.get('/api/me', {
    config: { scope: 'read' },
    schema: { summary: 'Who this credential is, the firm, the people\'s names and the page\'s language', tags: ['page'], response: { 200: MeJson, 404: ErrorBody, ...refusals } },
  }, async (request, reply) => {
    if (!deps.page) return reply.code(404).send(noPage);
    const principal = principalOf(request);
    const config = deps.page.config();
    const person = principal.person ?? null;
    return reply.send({
      kind: principal.kind,
      name: principal.name,
      person,
      personName: person === null ? null : (config.people[person]?.name ?? person),
      scopes: [...principal.scopes],
      language: pageLanguage(config),
      firm: { name: config.firm.name, timezone: config.firm.timezone },
      people: Object.values(config.people).map(({ id, name }) => ({ id, name })),
    });
  });

  app.get('/api/callbacks/:id', {
    config: { scope: 'read' },
    schema: { summary: 'One callback, open or closed', tags: ['callbacks'], params: CallbackIdParams, response: { 200: CallbackJson, 404: ErrorBody, ...refusals } },
  }, async (request, reply) => {
    const callback = await deps.store.get(request.params.id);
    if (!callback) return reply.code(404).send({ code: ErrorCodes.CALLBACK_NOT_FOUND, message: `no callback "${request.params.id}"; it may have been erased` });
    return callbackToJson(callback, deps.clock.now(), deps.callable?.());
  });

  app.post('/api/callbacks/:id/not-reached', {
    config: { scope: 'act' },
    schema: {
      summary: 'Record a call to the customer from a person\'s own phone that did not reach them',
      description:
        'For calls not made through the PBX (a tel: link on a mobile). The history gets "not-reached" by the credential\'s person, with the note; ' +
        'the callback stays open and the next reminder comes callbacks.retryPause later. A call that did reach them: POST .../done with a note.',
      tags: ['callbacks'],
      params: CallbackIdParams,
      body: NoteBody,
      response: { 200: CallbackJson, 404: ErrorBody, 409: ErrorBody, ...refusals },
    },
  }, async (request, reply) => {
    if (!deps.page) return reply.code(404).send(noPage);
    const { id } = request.params;
    const by = actorOf(principalOf(request));
    try {
      const before = await deps.store.get(id);
      if (!before) return await reply.code(404).send({ code: ErrorCodes.CALLBACK_NOT_FOUND, message: `no callback "${id}"` });
      if (!isOpen(before.status)) {
        return await reply.code(409).send({ code: ErrorCodes.CALLBACK_CLOSED, message: `callback "${id}" is ${before.status} already; nothing to record` });
      }
      const note = request.body?.note;
      const detail = `called from their own phone, not reached${note ? `: ${note}` : ''}`;
      await deps.store.appendHistory(id, { event: 'not-reached', at: deps.clock.now(), by, detail });
      await deps.page.notReached(id);
      const after = await deps.store.get(id);
      return callbackToJson(after ?? before, deps.clock.now(), deps.callable?.());
    } catch (err) {
      return sendCoded(reply, err);
    }
  });

  app.get('/api/calls/live', {
    config: { scope: 'read' },
    schema: { summary: 'The calls this instance runs now: who calls, on which route, which phones ring', tags: ['page'], response: { 200: LiveCallsJson, 404: ErrorBody, ...refusals } },
  }, async (_request, reply) => {
    if (!deps.page) return reply.code(404).send(noPage);
    const iso = (ms: number): string => new Date(ms).toISOString();
    const calls = deps.page.liveCalls().map((call: LiveCall) => ({
      ...call,
      startedAt: iso(call.startedAt),
      answeredBy: call.answeredBy && { ...call.answeredBy, at: iso(call.answeredBy.at) },
      ringing: [...call.ringing],
    }));
    return reply.send({ role: deps.health().role, calls });
  });
  done();
};
