#!/usr/bin/env node
// The `nevermiss` command. An installed package (or the Docker image) has only dist/, the
// compiled JavaScript, and runs it with plain node. A source checkout has src/ and tsx (a
// development dependency) and runs the TypeScript itself, so that a dist/ left over from an
// earlier build can never run in place of the code being worked on.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'main.ts');
const compiled = join(root, 'dist', 'cli', 'main.js');

if (existsSync(source) && (await tsxRegistered())) {
  await import(pathToFileURL(source).href);
} else if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  console.error(`nevermiss: ${compiled} is missing; in a source checkout run "npm ci && npm run build" first`);
  process.exit(2);
}

/** tsx is there in a checkout with its development dependencies, not after `npm ci --omit=dev`. */
async function tsxRegistered() {
  try {
    const { register } = await import('tsx/esm/api');
    register();
    return true;
  } catch {
    return false;
  }
}
