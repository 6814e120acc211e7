/**
 * A route's language must be one nevermiss has prompts for: a file in prompts/src. The schema
 * only checks the code's shape, so a language is added by adding its file, not by changing code.
 */
import { languagesAvailable } from '../languages/languages.js';
import { quote } from './messages.js';
import type { Finding } from './problems.js';
import { entriesOf, fieldOf } from './raw.js';
import { LANGUAGE_PATTERN } from '../languages/prompt-texts.js';

export function checkLanguages(raw: unknown, available: readonly string[] = languagesAvailable()): Finding[] {
  return entriesOf(fieldOf(raw, 'routes')).flatMap(([id, route]): Finding[] => {
    const language = fieldOf(route, 'language');
    // Absent means the default, en; a malformed code is reported by the schema.
    if (typeof language !== 'string' || !LANGUAGE_PATTERN.test(language) || available.includes(language)) return [];
    return [
      {
        path: ['routes', id, 'language'],
        message: `no prompts for the language ${quote(language)}: add prompts/src/${language}.txt (see prompts/README.md), or use one of ${available.join(', ')}`,
      },
    ];
  });
}
