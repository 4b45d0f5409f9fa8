/**
 * libp2p 3 and its helpers call `Promise.withResolvers` (ES2024, Node 22+). The project supports
 * Node 20.12+, where it is missing and libp2p fails at the first dial or stream. Importing this
 * module before anything from libp2p defines it, and only when the runtime lacks it, so newer
 * Nodes keep their native implementation.
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const PromiseWithResolvers = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };

if (typeof PromiseWithResolvers.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers<T>(this: PromiseConstructor): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve'];
      let reject!: Resolvers<T>['reject'];
      // `this` keeps subclass semantics (`MyPromise.withResolvers()`), as the native method does.
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export {};
