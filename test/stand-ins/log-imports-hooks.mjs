// The resolve hook of log-imports.mjs (module hooks run on their own thread).
import fs from 'node:fs';

let log = null;
export function initialize(data) {
  log = data.log;
}
export async function resolve(specifier, context, next) {
  fs.appendFileSync(log, `import ${specifier}\n`);
  return next(specifier, context);
}
