// `cognito-kit/lazy` in Node: the WebAssembly is read from disk on import (see node.js), so it is
// ready at once.
export * from './node.js';
export const ready = Promise.resolve();
