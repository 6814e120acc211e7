/**
 * The config file's JSON Schema, for editors: generated from the same zod schema the loader
 * validates with, so the two cannot disagree. It describes the file as written (zod's input
 * side): durations as text, defaults shown, unknown keys rejected. Relations between entries
 * (a hunt naming a person who exists) are beyond JSON Schema; `nevermiss check` has the last word.
 *
 * config/nevermiss.schema.json holds the output; `node --import tsx scripts/make-schema.ts`
 * writes it, and a unit test fails when it is stale.
 */
import { z } from 'zod';

import { ConfigFileSchema } from './schema.js';

export function configJsonSchema(): object {
  const { $schema, ...schema } = z.toJSONSchema(ConfigFileSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'throw',
  });
  // $schema, title and description first: they are what a reader of the file looks for.
  return {
    $schema,
    title: 'nevermiss configuration',
    description:
      'nevermiss.yaml: hunt groups, opening hours and callback promises for an Asterisk PBX. See config/nevermiss.example.yaml for every key explained.',
    ...schema,
  };
}

/** The text of config/nevermiss.schema.json: two-space indents and a final newline, as editors save it. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
