import { Prec, type Extension } from '@codemirror/state';
import { Decoration, EditorView, keymap, WidgetType, type DecorationSet } from '@codemirror/view';
import { acceptAllSpec, acceptWordSpec, drawnText, ghostField, ghostState, setGhost } from './ghost-state.ts';
import { cycle, ghostOf, shown, wantsSuggestion } from './suggestion.ts';

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
      `Suggestion${this.of ? ` ${this.of}` : ''}: ${this.text.trimEnd()}. Tab accepts, Escape dismisses${this.of ? ', Alt+] shows the next' : ''}.`,
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

/** The suggestion drawn as grey text after the cursor, with its place among the alternatives. */
const ghostDrawn = EditorView.decorations.compute([ghostField], (state): DecorationSet => {
  const g = state.field(ghostField);
  return g
    ? Decoration.set([
        Decoration.widget({
          widget: new GhostWidget(drawnText(state, g), g.alts.length > 1 ? `${g.index + 1} of ${g.alts.length}` : ''),
          side: 1,
        }).range(g.pos),
      ])
    : Decoration.none;
});

const ghostKeys = (source: SuggestSource) =>
  keymap.of([
    {
      key: 'Tab',
      // Without a suggestion Tab does nothing rather than move focus away mid-sentence (the next
      // key would land elsewhere). Keyboard users leave the editor with Escape then Tab: CodeMirror
      // hands that Tab to the browser.
      run: (view) => {
        const spec = acceptAllSpec(view.state);
        if (spec) view.dispatch(spec);
        return true;
      },
    },
    {
      key: 'Mod-ArrowRight',
      run: (view) => {
        const spec = acceptWordSpec(view.state);
        if (spec) view.dispatch(spec);
        return spec !== null;
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
        const doc = view.state.doc;
        if (!g) {
          // Nothing shown: the writer asks for a suggestion here and now, at a lower bar than an
          // unasked one (a guess they asked for costs nothing if wrong), or is told why none comes.
          const sel = view.state.selection.main;
          if (!sel.empty) return false;
          if (!wantsSuggestion(doc.toString(), sel.head)) {
            source.notice(
              sel.head === 0
                ? 'Nothing to go on yet: write a few words first'
                : 'Suggestions come at the end of a word: move the cursor after one',
            );
            return true;
          }
          void source.suggest(doc.sliceString(0, sel.head), 3, true).then(
            (alts) => {
              const now = view.state.selection.main;
              if (view.state.doc !== doc || now.head !== sel.head || !now.empty || view.state.field(ghostField)) return;
              const asked = ghostOf(sel.head, alts);
              if (asked) view.dispatch({ effects: setGhost.of(asked) });
              else source.notice('No suggestion here: Nib has no good guess for what comes next');
            },
            () => source.notice('No suggestion: the model did not answer; try again in a moment'),
          );
          return true;
        }
        if (g.alts.length > 1) {
          view.dispatch({ effects: setGhost.of(cycle(g, dir)) });
          return true;
        }
        // Each keystroke decodes one suggestion (the fastest answer); the others are decoded now, at
        // the lower bar of a suggestion asked for: the writer asked for more.
        void source.suggest(doc.sliceString(0, g.pos), 3, true).then(
          (alts) => {
            const now = view.state.field(ghostField);
            const more = ghostOf(g.pos, [shown(g), ...alts.filter((a) => a !== shown(g))]);
            if (view.state.doc !== doc || !now || now.pos !== g.pos) return;
            if (!more || more.alts.length < 2) source.notice('No other suggestion here');
            else view.dispatch({ effects: setGhost.of(cycle(more, dir)) });
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
  /**
   * Resolves to up to `n` suggestions for the text before the cursor, best first (none: empty).
   * `asked`: the writer asked for one (Alt+] with none shown), so a less confident guess may do.
   */
  suggest(textBefore: string, n: number, asked?: boolean): Promise<string[]>;
  pauseMs(): number;
  /** Tells the writer why Alt+] shows nothing (briefly, where they look and to a screen reader). */
  notice(message: string): void;
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
      // Nor once the writer has moved on to another field (the title, a button): the ghost belongs
      // to the cursor in the text.
      if (
        mine !== generation ||
        !g ||
        u.view.state.doc !== state.doc ||
        u.view.state.selection.main.head !== head ||
        !u.view.hasFocus
      )
        return;
      u.view.dispatch({ effects: setGhost.of(g) });
    }, source.pauseMs());
  });
}

/** Leaving the editor (for the title, a button, another window) takes the ghost away. */
const ghostOnBlur = EditorView.focusChangeEffect.of((state, focusing) =>
  focusing || !state.field(ghostField) ? null : setGhost.of(null),
);

export function ghostText(source: SuggestSource): Extension {
  return [ghostState, ghostDrawn, ghostOnBlur, Prec.highest(ghostKeys(source)), suggester(source)];
}
