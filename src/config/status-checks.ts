/**
 * Checks of the status switch that relate it to the rest of the file: the people "away" skips
 * exist, and no two statuses share a feature code, counting the codes left at their defaults.
 */
import { listOrNone, quote } from './messages.js';
import type { Finding } from './problems.js';
import { entriesOf, fieldOf, itemsOf } from './raw.js';
import { DEFAULT_FEATURE_CODES, FEATURE_CODE_PATTERN } from './schema.js';
import { NAME_PATTERN } from './schema-kit.js';

type Status = keyof typeof DEFAULT_FEATURE_CODES;

export function checkStatus(raw: unknown): Finding[] {
  const status = fieldOf(raw, 'status');
  const people = entriesOf(fieldOf(raw, 'people')).map(([id]) => id);
  return [...checkAwayNamesPeople(fieldOf(status, 'away'), people), ...checkFeatureCodesDiffer(fieldOf(status, 'featureCodes'))];
}

function checkAwayNamesPeople(away: unknown, people: readonly string[]): Finding[] {
  return itemsOf(away).flatMap((person, index): Finding[] => {
    // A name that is not a name is reported by the schema; "unknown person" would say it twice.
    if (typeof person !== 'string' || !NAME_PATTERN.test(person)) return [];
    const path = ['status', 'away', index];
    if (!people.includes(person)) {
      return [{ path, message: `unknown person ${quote(person)}; known people: ${listOrNone(people)}` }];
    }
    if (itemsOf(away).indexOf(person) < index) return [{ path, message: `${person} is already listed; list each person once` }];
    return [];
  });
}

interface FeatureCode {
  readonly status: Status;
  readonly code: string;
  /** False when the code is the default, which the user may not know they are using. */
  readonly written: boolean;
}

/**
 * Reported at a code the user wrote, naming the earlier code it repeats, or the default it
 * collides with: the user cannot fix a default they did not write by editing it.
 */
function checkFeatureCodesDiffer(written: unknown): Finding[] {
  const codes = featureCodesOf(written);
  return codes.flatMap((code, index): Finding[] => {
    const clash = codes.find(
      (other, otherIndex) => other.code === code.code && otherIndex !== index && (!other.written || otherIndex < index),
    );
    if (!code.written || clash === undefined) return [];
    const owner = clash.written ? clash.status : `${clash.status} (its default)`;
    return [
      {
        path: ['status', 'featureCodes', code.status],
        message: `${quote(code.code)} is already the code for ${owner}; give each status its own code`,
      },
    ];
  });
}

/** Each status's code as written, or its default; a code that is itself invalid is left out. */
function featureCodesOf(written: unknown): FeatureCode[] {
  return (Object.keys(DEFAULT_FEATURE_CODES) as Status[]).flatMap((status): FeatureCode[] => {
    const code = fieldOf(written, status);
    if (code === undefined) return [{ status, code: DEFAULT_FEATURE_CODES[status], written: false }];
    return typeof code === 'string' && FEATURE_CODE_PATTERN.test(code) ? [{ status, code, written: true }] : [];
  });
}
