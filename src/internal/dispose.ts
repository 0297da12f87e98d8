// The well-known symbols of explicit resource management (`using`, `await using`), for the
// declarations and at run time, wherever the user's setup lacks them.
//
// Types: the published declarations name `Symbol.dispose` and `Symbol.asyncDispose`, which a
// user's compiler knows only with `lib: ["ESNext.Disposable"]` (or `ESNext`), or with
// `@types/node`. This augmentation declares them, and the two interfaces, exactly as those
// libraries do, so that the declarations type-check under `lib: ["ES2022", "DOM"]` too and
// `await using wg = new WaitGroup()` compiles there; where the lib declares them already, the
// declarations merge with the lib's (identical members).
//
// Run time: Node 20+, Deno, Bun and current browsers have both symbols. Elsewhere TypeScript's
// and esbuild's `using` helpers look up the registered `Symbol.for('Symbol.dispose')` (and
// `'Symbol.asyncDispose'`), so the methods are keyed by that symbol there.

declare global {
  interface SymbolConstructor {
    /** The method that `using` calls when its block exits. */
    readonly dispose: unique symbol;
    /** The method that `await using` calls, and awaits, when its block exits. */
    readonly asyncDispose: unique symbol;
  }
  /** An object that `using` can hold. */
  interface Disposable {
    [Symbol.dispose](): void;
  }
  /** An object that `await using` can hold. */
  interface AsyncDisposable {
    [Symbol.asyncDispose](): PromiseLike<void>;
  }
}

/** `Symbol.dispose`, or the registered symbol that the `using` helpers fall back to. */
export const dispose: typeof Symbol.dispose = Symbol.dispose ?? (Symbol.for('Symbol.dispose') as typeof Symbol.dispose);

/** `Symbol.asyncDispose`, or the registered symbol that the `await using` helpers fall back to. */
export const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose);
