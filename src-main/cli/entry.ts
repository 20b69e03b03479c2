// The bundled `nib` command's entry (dist/app/nib.mjs): run the CLI on the process's arguments.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
