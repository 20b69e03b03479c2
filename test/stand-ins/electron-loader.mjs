// Resolves `import … from 'electron'` to the test stand-in (test/stand-ins/electron.ts).
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: new URL('./electron.ts', import.meta.url).href, shortCircuit: true };
  return next(specifier, context);
}
