// Loaded with `node --import`: records every module specifier this process resolves (ESM imports,
// dynamic imports and require) into NIB_IMPORT_LOG, for test/layers.test.ts to read.
import { register } from 'node:module';
import Module from 'node:module';
import fs from 'node:fs';

const log = process.env.NIB_IMPORT_LOG;
register('./log-imports-hooks.mjs', import.meta.url, { data: { log } });
const load = Module._load;
Module._load = function (request, ...rest) {
  fs.appendFileSync(log, `require ${request}\n`);
  return load.call(this, request, ...rest);
};
