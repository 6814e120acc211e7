/**
 * The schema of `callable:`: which caller numbers nevermiss calls and texts back, and how many
 * text-backs it sends. Safe by default: the firm's own country, mobile and fixed lines, a few
 * texts per number range and hour, so a spoofed caller ID can't make the firm's SMS gateway
 * pump messages to premium or foreign numbers.
 */
import { z } from 'zod';

import { expecting } from './messages.js';
import { CountrySchema, settings, wholeNumber } from './schema-kit.js';
import { NUMBER_TYPES } from '../numbers/callable.js';

export const TEXT_BACK_LIMIT_DEFAULTS = { perPrefix: 3, prefixDigits: 8, perHour: 30 } as const;

export const CallableSchema = settings(
  {
    countries: z
      .array(CountrySchema, { error: expecting('a list of two-letter country codes, like [DK, SE]') })
      .min(1, { error: expecting('at least one country code, like [DK]') })
      .optional()
      .describe('Countries whose numbers are called and texted back. Default: firm.country only.'),
    types: z
      .array(z.enum(NUMBER_TYPES, { error: expecting(`a number type: ${NUMBER_TYPES.join(', ')}`) }), {
        error: expecting('a list of number types, like [mobile, fixedLine]'),
      })
      .min(1, { error: expecting('at least one number type, like [mobile, fixedLine]') })
      .default(['mobile', 'fixedLine'])
      .describe(`Kinds of numbers that are called back (${NUMBER_TYPES.join(', ')}). Default [mobile, fixedLine]. Text-backs go to mobiles only.`),
    textBack: settings(
      {
        perPrefix: wholeNumber({ min: 1, max: 1000 }, TEXT_BACK_LIMIT_DEFAULTS.perPrefix)
          .default(TEXT_BACK_LIMIT_DEFAULTS.perPrefix)
          .describe('Text-backs per hour to numbers that share their first prefixDigits digits (1 to 1000). Default 3.'),
        prefixDigits: wholeNumber({ min: 4, max: 15 }, TEXT_BACK_LIMIT_DEFAULTS.prefixDigits)
          .default(TEXT_BACK_LIMIT_DEFAULTS.prefixDigits)
          .describe('How many digits of the international number, country code included, make a prefix (4 to 15). Default 8: +45 2011 11xx.'),
        perHour: wholeNumber({ min: 1, max: 100_000 }, TEXT_BACK_LIMIT_DEFAULTS.perHour)
          .default(TEXT_BACK_LIMIT_DEFAULTS.perHour)
          .describe('Text-backs per hour in all (1 to 100000). Default 30.'),
      },
      'text-back limits (perPrefix:, prefixDigits:, perHour:)',
    )
      .prefault({})
      .describe('How many text-backs are sent, per clock hour.'),
  },
  'callable settings (countries:, types:, textBack:)',
)
  .prefault({})
  .describe('Which caller numbers are called and texted back; any other missed call is kept and shown as one that can\'t be called back.');
