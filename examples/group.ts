// errgroup with a limit: 10 simulated downloads, at most 3 at a time; one fails, and the
// failure cancels the others through the group's signal. Tasks still queued never start.
import { Group } from 'waitgroups';

// Simulated transfers end at fixed moments, in ms after the script started, one at a time and in
// the order of those moments (a small clock below), rather than after fixed durations: the order
// of events, and so the output, is then the same on a busy machine.
const t0 = performance.now();
const pending: { endsAt: number; resolve: () => void }[] = [];
let ticking = false;

/** Ends the earliest pending transfer when its moment has come, then the next, one per timer. */
function tick(): void {
  pending.sort((a, b) => a.endsAt - b.endsAt);
  const next = pending[0];
  if (next === undefined) {
    ticking = false;
    return;
  }
  setTimeout(() => {
    const index = pending.indexOf(next);
    if (index !== -1) pending.splice(index, 1)[0]!.resolve(); // not if it was cancelled meanwhile
    tick(); // after the reactions of this transfer (tasks it lets start) have registered theirs
  }, Math.max(0, next.endsAt - (performance.now() - t0)));
}

// A transfer that ends at `endsAt`, or as soon as `signal` aborts, as `fetch` would.
function transfer(endsAt: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const entry = {
      endsAt,
      resolve: () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
    };
    function onAbort(): void {
      const index = pending.indexOf(entry);
      if (index !== -1) pending.splice(index, 1);
      reject(signal.reason);
    }
    signal.addEventListener('abort', onAbort, { once: true });
    pending.push(entry);
    if (!ticking) {
      ticking = true;
      queueMicrotask(tick); // once every task started in this turn has registered
    }
  });
}

// When each transfer ends; file-05 fails when its transfer ends. With a limit of 3: 01, 02, 03
// start at once; 04 starts when 01 ends (40 ms), 05 when 02 ends (80 ms), 06 when 04 ends
// (120 ms); 05 fails at 150 ms, which cancels 03 and 06 and drops 07 to 10.
const endsAt = [40, 80, 300, 120, 150, 320, 360, 400, 440, 480];
const failing = 'file-05';

const files = endsAt.map((end, i) => ({ name: `file-${String(i + 1).padStart(2, '0')}`, end }));
const completed: string[] = [];
const cancelled: string[] = [];
const started = new Set<string>();

const group = new Group({ limit: 3 });
for (const { name, end } of files) {
  group.go(async (signal) => {
    started.add(name);
    console.log(`${name}: started`);
    try {
      await transfer(end, signal);
    } catch (error) {
      cancelled.push(name);
      console.log(`${name}: cancelled (${(error as Error).message})`);
      throw error;
    }
    if (name === failing) {
      console.log(`${name}: failed`);
      throw new Error(`${name}: connection reset`);
    }
    completed.push(name);
    console.log(`${name}: done`);
  });
}

let firstError: unknown;
try {
  await group.wait();
  console.log('all downloads done');
} catch (error) {
  firstError = error;
  console.log(`wait() rejected with the first error: ${(error as Error).message}`);
}
const never = files.map((file) => file.name).filter((name) => !started.has(name));
console.log(`ran to completion: ${completed.join(', ')}`);
console.log(`cancelled while running: ${cancelled.join(', ')}`);
console.log(`never started: ${never.join(', ')}`);
console.log(`the group's signal was aborted with that error as its reason: ${group.signal.reason === firstError}`);
