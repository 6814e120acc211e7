// Preloaded into the service by the benchmark only (node --expose-gc --require ...): SIGUSR2 runs a
// full garbage collection, so the benchmark can tell memory that is held from garbage not yet
// collected. Not part of the service.
process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') global.gc();
});
