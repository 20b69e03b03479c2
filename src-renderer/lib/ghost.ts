import { Prec, StateEffect, StateField, type Extension } from '@codemirror/state';
import { Decoration, EditorView, keymap, WidgetType, type DecorationSet } from '@codemirror/view';
import {
  acceptAll,
  acceptWord,
  afterInsert,
  cycle,
  ghostOf,
  shown,
  wantsSuggestion,
  type Ghost,
} from './suggestion.ts';

export const setGhost = StateEffect.define<Ghost | null>();

class GhostWidget extends WidgetType {
  constructor(
    readonly text: string,
    readonly of: string,
  ) {
    super();
  }
  eq(other: GhostWidget): boolean {
    return other.text === this.text && other.of === this.of;
  }
  toDOM(): HTMLElement {
    const span = document.createElement('span');
    span.className = 'cm-ghost';
    span.dataset.testid = 'ghost';
    span.setAttribute(
      'aria-label',
      `Suggestion${this.of ? ` ${this.of}` : ''}: ${this.text}. Tab accepts, Escape dismisses${this.of ? ', Alt+] shows the next' : ''}.`,
    );
    span.textContent = this.text;
    if (this.of) {
      span.title = `Suggestion ${this.of} (Alt+] / Alt+[ for the others)`;
      // Shown after the ghost (CSS ::after), so the count is visible without hovering yet never
      // part of the text that Tab inserts.
      span.dataset.of = this.of;
    }
    return span;
  }
  ignoreEvent(): boolean {
    return false;
  }
}

export const ghostField = StateField.define<Ghost | null>({
  create: () => null,
  update(g, tr) {
    for (const e of tr.effects) if (e.is(setGhost)) return e.value;
    if (!tr.docChanged) return g && tr.selection && tr.state.selection.main.head !== g.pos ? null : g;
    // Typing what the suggestion predicted keeps the rest of it; any other edit cancels it.
    let next: Ghost | null = null;
    let changes = 0;
    tr.changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
      changes++;
      next = fromA === toA ? afterInsert(g, fromA, inserted.toString()) : null;
    });
    return changes === 1 ? next : null;
  },
  provide: (f) =>
    EditorView.decorations.from(f, (g): DecorationSet =>
      g
        ? Decoration.set([
            Decoration.widget({
              widget: new GhostWidget(shown(g), g.alts.length > 1 ? `${g.index + 1} of ${g.alts.length}` : ''),
              side: 1,
            }).range(g.pos),
          ])
        : Decoration.none,
    ),
});

function insert(view: EditorView, at: number, text: string, rest: Ghost | null): void {
  view.dispatch({
    changes: { from: at, insert: text },
    selection: { anchor: at + text.length },
    effects: setGhost.of(rest),
    userEvent: 'input.complete',
  });
}

const ghostKeys = (source: SuggestSource) =>
  keymap.of([
    {
      key: 'Tab',
      // Without a suggestion Tab does nothing rather than move focus away mid-sentence (the next
      // key would land elsewhere). Keyboard users leave the editor with Escape then Tab: CodeMirror
      // hands that Tab to the browser.
      run: (view) => {
        const g = view.state.field(ghostField);
        if (!g) return true;
        const a = acceptAll(g);
        insert(view, a.at, a.insert, null);
        return true;
      },
    },
    {
      key: 'Mod-ArrowRight',
      run: (view) => {
        const g = view.state.field(ghostField);
        if (!g) return false;
        const a = acceptWord(g);
        insert(view, a.at, a.insert, a.rest);
        return true;
      },
    },
    ...(
      [
        ['Alt-]', 1],
        ['Alt-[', -1],
      ] as const
    ).map(([key, dir]) => ({
      key,
      run: (view: EditorView) => {
        const g = view.state.field(ghostField);
        if (!g) return false;
        if (g.alts.length > 1) {
          view.dispatch({ effects: setGhost.of(cycle(g, dir)) });
          return true;
        }
        // Each keystroke decodes one suggestion (the fastest answer); the others are decoded now.
        const doc = view.state.doc;
        void source.suggest(doc.sliceString(0, g.pos), 3).then(
          (alts) => {
            const now = view.state.field(ghostField);
            const more = ghostOf(g.pos, [shown(g), ...alts.filter((a) => a !== shown(g))]);
            if (!more || more.alts.length < 2 || view.state.doc !== doc || !now || now.pos !== g.pos) return;
            view.dispatch({ effects: setGhost.of(cycle(more, dir)) });
          },
          () => {},
        );
        return true;
      },
    })),
    {
      key: 'Escape',
      run: (view) => {
        if (!view.state.field(ghostField)) return false;
        view.dispatch({ effects: setGhost.of(null) });
        // Dismissing a suggestion is also the first half of "Escape, then Tab" (leave the editor):
        // the next Tab within two seconds moves focus, as it does when no suggestion was showing.
        view.setTabFocusMode(2000);
        return true;
      },
    },
  ]);

export interface SuggestSource {
  /** Resolves to up to `n` suggestions for the text before the cursor, best first (none: empty). */
  suggest(textBefore: string, n: number): Promise<string[]>;
  pauseMs(): number;
}

/**
 * Asks for a suggestion after a pause in typing, with the cursor at the end of a word or line.
 * Only the newest request counts: an answer for text that has changed since is dropped, so
 * suggestions never lag or flicker behind typing.
 */
function suggester(source: SuggestSource): Extension {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let generation = 0;
  return EditorView.updateListener.of((u) => {
    if (!u.docChanged && !u.selectionSet) return;
    if (timer) clearTimeout(timer);
    const mine = ++generation;
    const state = u.state;
    if (state.field(ghostField)) return; // still showing (typed through)
    const head = state.selection.main.head;
    if (!state.selection.main.empty || !wantsSuggestion(state.doc.toString(), head)) return;
    timer = setTimeout(async () => {
      const text = state.doc.sliceString(0, head);
      let alts: string[] = [];
      try {
        alts = await source.suggest(text, 1);
      } catch {
        return;
      }
      const g = ghostOf(head, alts);
      if (mine !== generation || !g || u.view.state.doc !== state.doc || u.view.state.selection.main.head !== head)
        return;
      u.view.dispatch({ effects: setGhost.of(g) });
    }, source.pauseMs());
  });
}

export function ghostText(source: SuggestSource): Extension {
  return [ghostField, Prec.highest(ghostKeys(source)), suggester(source)];
}
