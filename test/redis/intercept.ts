// Interleavings injected at the transport: a real client whose listed methods are replaced,
// everything else forwarded to it (bound, so that its private fields work).
export function intercept<T extends object>(target: T, overrides: { [K in keyof T]?: unknown }): T {
  return new Proxy(target, {
    get(object, key) {
      if (Object.hasOwn(overrides, key)) return overrides[key as keyof T];
      const value = Reflect.get(object, key, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
