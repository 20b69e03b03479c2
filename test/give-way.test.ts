import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GiveWay, type Pausable } from '../src-main/core/give-way.ts';

/** A process stand-in that records what it was told; the real SIGSTOP is test/ml-host.test.ts's. */
function host(canPause = true): Pausable & { log: string[]; paused: boolean } {
  const h = {
    log: [] as string[],
    paused: false,
    pause() {
      if (!canPause) return false;
      if (!h.paused) h.log.push('pause');
      h.paused = true;
      return true;
    },
    resume() {
      h.log.push('resume');
      h.paused = false;
    },
  };
  return h;
}

test('paused while keys come, let go once typing stops', async () => {
  const g = new GiveWay({ quietMs: 50, maxPauseMs: 10_000, breatheMs: 0 });
  const h = host();
  for (let i = 0; i < 5; i++) {
    g.typed([h]);
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.deepEqual(h.log, ['pause'], 'one pause for a burst of keys');
  await new Promise((r) => setTimeout(r, 120));
  assert.deepEqual(h.log, ['pause', 'resume']);
  assert.equal(g.pausedCount, 0);
});

test('never paused longer than maxPauseMs at a stretch, then left to breathe before the next pause', () => {
  let now = 0;
  const g = new GiveWay({ quietMs: 60_000, maxPauseMs: 3000, breatheMs: 300 }, () => now);
  const h = host();
  for (; now <= 4000; now += 100) g.typed([h]);
  // Paused at 0, let go at 3000, breathing until 3300, paused again at 3300.
  assert.deepEqual(h.log, ['pause', 'resume', 'pause']);
  g.release();
  assert.equal(h.paused, false);
});

test('a host that cannot be paused (Windows) is left alone; release lets every paused host go', () => {
  const g = new GiveWay({ quietMs: 60_000, maxPauseMs: 3000, breatheMs: 300 });
  const a = host();
  const b = host(false);
  g.typed([a, b]);
  assert.equal(g.pausedCount, 1);
  g.release();
  assert.deepEqual(a.log, ['pause', 'resume']);
  assert.deepEqual(b.log, []);
});
