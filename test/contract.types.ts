/**
 * Compile-time tests of the contract (api/core-api.ts), checked by `npm run lint` (tsc): each
 * `@ts-expect-error` below must stay an error, or tsc reports the directive as unused and lint
 * fails. They pin what the contract promises: a caller cannot invent a method, send a field the
 * contract does not declare or a value of the wrong type, or leave out a required field; a result
 * has the declared type; and a core handler that reads a field the schema no longer declares does
 * not compile (what happens when a field is deleted from a schema).
 */
import type { CoreCaller, CoreHandlers } from '../src-main/api/core-api.ts';

declare const api: CoreCaller;

export async function callers(): Promise<void> {
  await api.call('corpora.delete', { corpus: 'essays' });
  await api.call('models.list');
  // @ts-expect-error: no such method
  await api.call('corpora.drop', { corpus: 'essays' });
  // @ts-expect-error: a field the contract does not declare
  await api.call('corpora.delete', { corpus: 'essays', force: true });
  // @ts-expect-error: the wrong type
  await api.call('drafts.get', { id: '3' });
  // @ts-expect-error: a required field left out
  await api.call('documents.list');
  const models = await api.call('models.list');
  const first: string = models[0].name;
  // @ts-expect-error: results have their declared types, not `any`
  const wrong: number = models[0].name;
  void first;
  void wrong;
}

export const handlers: Partial<CoreHandlers> = {
  'corpora.delete': (p) => {
    void p.corpus;
    // @ts-expect-error: a field that is not (or no longer) in the schema
    void p.force;
  },
  // @ts-expect-error: a result that does not match the declared one
  'drafts.save': () => ({ id: 'not a number' }),
};

// The core → ML host contract (workers/ml-host-api.ts): the same promises for MlHost.request.
import type { MlHost } from '../src-main/workers/ml-host.ts';
import type { MlParsed } from '../src-main/workers/ml-host-api.ts';

declare const host: MlHost;

export async function hostCallers(): Promise<void> {
  await host.request('ngram.refresh', { corpus: 'essays' });
  // @ts-expect-error: no such method
  await host.request('ngram.rebuild', { corpus: 'essays' });
  // @ts-expect-error: a field the contract does not declare
  await host.request('ngram.refresh', { corpus: 'essays', order: 5 });
  // @ts-expect-error: the wrong type
  await host.request('suggest', { text: 42 });
  const r = await host.request('suggest', { text: 'The ' });
  const s: string = r.suggestion;
  // @ts-expect-error: results have their declared types
  const n: number = r.suggestion;
  void s;
  void n;
}

/** A handler reading a field the schema does not declare does not compile. */
export function hostHandler(p: MlParsed<'learn'>): number {
  // @ts-expect-error: 'learn' has no 'steps' field
  return p.steps + (p.maxTimeSec ?? 0);
}
