// What a test leaves behind on the event loop. On Bun, test/runtimes/bun-preload.ts makes
// process.getActiveResourcesInfo() count timers (Bun's own returns []).

/** The number of active timers (`setTimeout`/`setInterval` handles) of this thread. */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}
