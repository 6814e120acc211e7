/**
 * Which caller numbers nevermiss may call and text back. Pure.
 *
 * A caller ID is caller input: "112", "*70", 40 digits, a premium-rate number or a spoofed foreign
 * mobile all arrive as a "number". Only a *valid* number (in an allocated range, libphonenumber's
 * isValid with its 'max' metadata, which also gives the type) of an allowed country and type is
 * dialled or texted; any other missed call is still recorded, marked with the reason it can't be
 * called back, so a person sees it and decides.
 *
 * Valid, not merely possible: a number in a range the metadata doesn't know yet is shown as "not a
 * valid number" instead of being dialled, the safe side for a firm's trunk; the call is not lost.
 */
import { parsePhoneNumberFromString, type PhoneNumberType } from 'libphonenumber-js/max';

/** The kinds of numbers the config can allow, as libphonenumber's types in the config's words. */
export const NUMBER_TYPES = ['mobile', 'fixedLine', 'tollFree', 'premiumRate', 'sharedCost', 'voip', 'personalNumber', 'pager', 'uan', 'voicemail'] as const;
export type AllowedNumberType = (typeof NUMBER_TYPES)[number];

const TYPE_OF: Readonly<Record<Exclude<PhoneNumberType, 'FIXED_LINE_OR_MOBILE'>, AllowedNumberType>> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'fixedLine',
  TOLL_FREE: 'tollFree',
  PREMIUM_RATE: 'premiumRate',
  SHARED_COST: 'sharedCost',
  VOIP: 'voip',
  PERSONAL_NUMBER: 'personalNumber',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
};

const TYPE_WORDS: Readonly<Record<AllowedNumberType, string>> = {
  mobile: 'a mobile number',
  fixedLine: 'a fixed-line number',
  tollFree: 'a toll-free number',
  premiumRate: 'a premium-rate number',
  sharedCost: 'a shared-cost number',
  voip: 'a VoIP number',
  personalNumber: 'a personal (forwarding) number',
  pager: 'a pager number',
  uan: 'a company-wide (UAN) number',
  voicemail: 'a voicemail access number',
};

export interface CallableRules {
  /** ISO 3166-1 alpha-2 codes; default: the firm's country. */
  readonly countries: readonly string[];
  readonly types: readonly AllowedNumberType[];
}

export type UncallableReason = 'not-a-number' | 'country' | 'type';

export type Callability =
  | { readonly callable: true; readonly country: string; readonly types: readonly AllowedNumberType[] }
  | { readonly callable: false; readonly reason: UncallableReason; readonly why: string };

/** The longest E.164 number: "+" and 15 digits. Anything longer is not looked at. */
const E164 = /^\+[1-9][0-9]{1,14}$/;

/**
 * Whether `number` (as stored: E.164 where it could be normalised, else what the caller sent) may
 * be called back under `rules`, and if not, why, in words a person reads on the phone page.
 */
export function callability(number: string, rules: CallableRules): Callability {
  if (!E164.test(number)) return { callable: false, reason: 'not-a-number', why: `"${shorten(number)}" is not a phone number that can be called` };
  const parsed = parsePhoneNumberFromString(number);
  if (!parsed?.isValid()) return { callable: false, reason: 'not-a-number', why: `${number} is not a valid phone number` };
  const country = parsed.country ?? '';
  if (!rules.countries.includes(country)) {
    return { callable: false, reason: 'country', why: `${number} is a number in ${country || 'no country'}; callbacks go to ${rules.countries.join(', ')} (callable.countries)` };
  }
  const type = parsed.getType();
  // Where mobile and fixed-line ranges are shared (all of Denmark's), the number is either.
  const types: AllowedNumberType[] = type === 'FIXED_LINE_OR_MOBILE' ? ['mobile', 'fixedLine'] : type === undefined ? [] : [TYPE_OF[type]];
  const allowed = types.filter((t) => rules.types.includes(t));
  if (allowed.length === 0) {
    const what = types[0] === undefined ? 'a number of unknown type' : TYPE_WORDS[types[0]];
    return { callable: false, reason: 'type', why: `${number} is ${what}; callbacks go to ${rules.types.join(', ')} (callable.types)` };
  }
  return { callable: true, country, types: allowed };
}

/** A text-back may go to a callable number that can be a mobile. */
export function mayTextBack(number: string, rules: CallableRules): boolean {
  const verdict = callability(number, rules);
  return verdict.callable && verdict.types.includes('mobile');
}

/** The first `digits` digits of an E.164 number: the range a text-back limit counts in. */
export function numberPrefix(e164: string, digits: number): string {
  return e164.replace(/[^0-9]/g, '').slice(0, digits);
}

/** Caller input in a message: at most 24 characters, so a 40-digit "number" stays readable. */
function shorten(text: string): string {
  return text.length <= 24 ? text : `${text.slice(0, 21)}...`;
}
