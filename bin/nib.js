#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader, so `npx nib` works after `npm ci`
// with no build step. (The packaged app bundles compiled code instead.)
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
