import { illegalConstructor, taskAlreadyDone } from './errors.js';

// Symbol.dispose is in Node 20+, Deno, Bun and recent browsers; elsewhere TypeScript's and
// esbuild's `using` helpers fall back to this registered symbol.
const dispose: typeof Symbol.dispose = Symbol.dispose ?? (Symbol.for('Symbol.dispose') as typeof Symbol.dispose);

const constructKey = Symbol('TaskHandle');
let create: (label: string, finish: () => void) => TaskHandle;

/**
 * Makes the handle of a unit that `finish` marks done in its group: for `wg.task()`.
 *
 * @internal
 */
export function taskHandle(label: string, finish: () => void): TaskHandle {
  return create(label, finish);
}

/**
 * TaskHandle is one unit of a wait group's counter, taken by `wg.task(label)`: the
 * JavaScript form of Go's `defer wg.Done()`. Its {@link TaskHandle.done} works exactly once,
 * and it is `Disposable`, so that `using task = wg.task('fetch')` marks the task done when
 * the block exits, normally or by a throw.
 *
 * ## Misuse
 * A second `done()` on the same handle throws `WaitGroupError`
 * `ERR_WAITGROUP_TASK_ALREADY_DONE`, naming the label, and leaves the counter alone: with a
 * handle, the classic "Add/Done mismatch" becomes a loud error at the faulty call instead of
 * a negative counter somewhere else or a wait that never ends. Disposing of a handle that is
 * already done does nothing, so an early `task.done()` inside a `using` block is fine.
 *
 * @example
 * ```ts
 * import { WaitGroup } from 'waitgroups';
 *
 * const wg = new WaitGroup();
 * async function fetchUser(id: number): Promise<void> {
 *   using task = wg.task(`user ${id}`); // done when the function returns or throws
 *   await new Promise((resolve) => setTimeout(resolve, 10));
 * }
 * void fetchUser(1);
 * void fetchUser(2);
 * await wg.wait();
 * ```
 */
export class TaskHandle implements Disposable {
  /** The label given to `task(label)`; `''` when none was. */
  readonly label: string;
  #finish: (() => void) | null;

  // Handles are made by `wg.task()` only: the constructor is private in the declarations, and at
  // run time it refuses a caller that lacks the module's key, as the DOM's illegal constructors do.
  private constructor(key: symbol, label: string, finish: () => void) {
    if (key !== constructKey) throw illegalConstructor('TaskHandle', 'wg.task(label)');
    this.label = label;
    this.#finish = finish;
  }

  static {
    create = (label, finish) => new TaskHandle(constructKey, label, finish);
  }

  /** isDone is whether `done()` has been called (or the handle disposed of). */
  get isDone(): boolean {
    return this.#finish === null;
  }

  /**
   * done marks the task done: its group's `done()`, once.
   *
   * @throws `WaitGroupError` `ERR_WAITGROUP_TASK_ALREADY_DONE` on a second call; nothing
   *   changes
   * @throws what the group's `done()` throws (`ERR_WAITGROUP_NEGATIVE_COUNTER` if other code
   *   already took the counter to zero); the handle is then done all the same
   */
  done(): void {
    const finish = this.#finish;
    if (finish === null) throw taskAlreadyDone(this.label);
    this.#finish = null;
    finish();
  }

  /** Marks the task done unless it already is: what `using` calls when its block exits. */
  [dispose](): void {
    if (this.#finish !== null) this.done();
  }
}
