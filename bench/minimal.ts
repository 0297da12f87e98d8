// The 10-line baseline: a counter plus one resolver, no checks, no options.
export class MinimalWaitGroup {
  n = 0;
  resolve: (() => void) | null = null;
  promise: Promise<void> | null = null;
  add(delta = 1): void {
    this.n += delta;
    if (this.n === 0 && this.resolve !== null) (this.resolve(), (this.resolve = this.promise = null));
  }
  done(): void {
    this.add(-1);
  }
  wait(): Promise<void> {
    if (this.n === 0) return Promise.resolve();
    return (this.promise ??= new Promise<void>((resolve) => (this.resolve = resolve)));
  }
}
