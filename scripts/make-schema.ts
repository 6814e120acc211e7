/**
 * Writes config/nevermiss.schema.json from the config schema. Run it after changing
 * src/config/schema*.ts: `node --import tsx scripts/make-schema.ts`. A unit test fails until the
 * committed file matches.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { configJsonSchemaText } from '../src/config/json-schema.js';

const target = fileURLToPath(new URL('../config/nevermiss.schema.json', import.meta.url));
writeFileSync(target, configJsonSchemaText());
console.log(`wrote ${target}`);
