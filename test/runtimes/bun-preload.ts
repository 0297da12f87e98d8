// Preloaded by `bun test` (test/runtimes/run.ts). Bun's process.getActiveResourcesInfo() is a
// stub that returns [] (Bun 1.4.5), so the suites' "no timer left behind" checks, which count
// its 'Timeout' entries as Node does, would see nothing. This shim counts them the way Node
// does: one 'Timeout' per timer made with the global setTimeout/setInterval that has neither
// fired (setTimeout) nor been cleared, and is ref'd (hasRef()). It installs itself only if the
// runtime's own function does not see a ref'd timer, and checks itself before the suites run.
const nativeInfo = process.getActiveResourcesInfo.bind(process);

function nativeCountsTimers(): boolean {
  const timer = setTimeout(() => {}, 60_000);
  const seen = nativeInfo().includes('Timeout');
  clearTimeout(timer);
  return seen;
}

type Handle = ReturnType<typeof setTimeout>;

if (!nativeCountsTimers()) {
  const active = new Set<Handle>();
  const realSetTimeout = globalThis.setTimeout;
  const realSetInterval = globalThis.setInterval;
  const realClearTimeout = globalThis.clearTimeout;
  const realClearInterval = globalThis.clearInterval;

  const setTimeoutShim = function (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): Handle {
    const handle: Handle = realSetTimeout(
      (...callArgs: unknown[]) => {
        active.delete(handle);
        callback(...callArgs);
      },
      ms,
      ...args,
    );
    active.add(handle);
    return handle;
  };
  const setIntervalShim = function (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): Handle {
    const handle = realSetInterval(callback, ms, ...args) as unknown as Handle;
    active.add(handle);
    return handle;
  };
  const clear = (handle: Handle | undefined): void => {
    if (handle !== undefined) active.delete(handle);
  };
  globalThis.setTimeout = Object.assign(setTimeoutShim, realSetTimeout) as unknown as typeof setTimeout;
  globalThis.setInterval = Object.assign(setIntervalShim, realSetInterval) as unknown as typeof setInterval;
  globalThis.clearTimeout = ((handle?: Handle) => {
    clear(handle);
    realClearTimeout(handle);
  }) as typeof clearTimeout;
  globalThis.clearInterval = ((handle?: Handle) => {
    clear(handle);
    realClearInterval(handle);
  }) as typeof clearInterval;
  process.getActiveResourcesInfo = () => [
    ...nativeInfo(),
    ...[...active].filter((handle) => (handle as { hasRef?: () => boolean }).hasRef?.() ?? true).map(() => 'Timeout'),
  ];

  // The shim must see what Node would: a ref'd timer, not an unref'd one, not a fired one.
  const count = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
  const before = count();
  const interval = setInterval(() => {}, 60_000);
  const timeout = setTimeout(() => {}, 60_000);
  const afterCreate = count();
  (interval as unknown as { unref(): void }).unref();
  const afterUnref = count();
  clearInterval(interval);
  clearTimeout(timeout);
  const afterClear = count();
  const fired = await new Promise<number>((resolve) => setTimeout(() => resolve(count()), 0));
  const expected = [before + 2, before + 1, before, before];
  const seen = [afterCreate, afterUnref, afterClear, fired];
  if (seen.join() !== expected.join()) {
    throw new Error(`bun-preload: the timer shim is wrong: counts ${seen.join()} (expected ${expected.join()})`);
  }
  console.log('bun-preload: process.getActiveResourcesInfo() counts timers through a shim (Bun returns [])');
}
