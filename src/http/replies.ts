/**
 * How the API answers when something is wrong: one JSON shape, { code, message }, with the
 * status a client can act on. Coded errors of the service map to their status here, and only here.
 */
import type { FastifyError, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

import { ErrorCodes, isNevermissError } from '../errors.js';

/** Coded errors the client can act on get their own status; anything else is rethrown (a 500). */
export function sendCoded(reply: FastifyReply, err: unknown): FastifyReply {
  if (isNevermissError(err, ErrorCodes.CALLBACK_NOT_FOUND)) return reply.code(404).send({ code: err.code, message: err.message });
  for (const code of [ErrorCodes.CALLBACK_CLOSED, ErrorCodes.CALLBACK_BUSY, ErrorCodes.CALLBACK_NOT_DIALING, ErrorCodes.CALLBACK_UNCALLABLE] as const) {
    if (isNevermissError(err, code)) return reply.code(409).send({ code: err.code, message: err.message });
  }
  if (isNevermissError(err, ErrorCodes.USAGE)) return reply.code(400).send({ code: err.code, message: err.message });
  // Asterisk or Redis away or too slow: a later try may work (a dial-back that could not start is pending again).
  for (const code of [ErrorCodes.ARI_UNREACHABLE, ErrorCodes.ARI_NOT_READY, ErrorCodes.ARI_TIMEOUT, ErrorCodes.REDIS] as const) {
    if (isNevermissError(err, code)) return reply.code(503).send({ code: err.code, message: err.message });
  }
  if (isNevermissError(err, ErrorCodes.ARI_REQUEST)) return reply.code(502).send({ code: err.code, message: err.message });
  throw err;
}

/**
 * A request that failed its schema: 400 naming each field and what it expected, like
 * `body.mode: Invalid option: expected one of "normal"|"away"|"closed"`.
 */
export function validationMessage(err: FastifyError): string | null {
  if (!hasZodFastifySchemaValidationErrors(err)) return null;
  const where = err.validationContext ?? 'request';
  return err.validation
    .map((issue) => {
      const path = issue.instancePath.split('/').filter((part) => part !== '').join('.');
      return `${path === '' ? where : `${where}.${path}`}: ${issue.message}`;
    })
    .join('; ');
}
