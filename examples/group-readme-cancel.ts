import { Group } from 'waitgroups';

// A sleep that stops when `signal` aborts, rejecting with its reason, as fetch(url, { signal }) does.
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

// The job has a deadline (a parent signal), and its first failure stops the other tasks.
const group = new Group({ signal: AbortSignal.timeout(5_000) });
group.go(async (signal) => {
  await sleep(20, signal);
  throw new Error('disk full');
});
group.go(async (signal) => {
  try {
    await sleep(1_000, signal);
  } catch (error) {
    console.log(`slow task stopped early: ${(error as Error).message}`);
    throw error;
  }
});
try {
  await group.wait();
} catch (error) {
  console.log(`wait() rejected: ${(error as Error).message}`);
}
console.log(`signal aborted: ${group.signal.aborted}`);
