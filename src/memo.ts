/**
 * One-entry memo for pure functions on the hot path. Consecutive events mostly share their time (VCO
 * stamps whole seconds, and logs are in time order), so remembering the last argument saves a Date parse
 * or format per event without a cache that can grow.
 */
export function memoLast<A, R>(compute: (arg: A) => R): (arg: A) => R {
  let lastArg: A | undefined;
  let lastResult: R | undefined;
  let filled = false;
  return (arg) => {
    if (!filled || arg !== lastArg) {
      lastResult = compute(arg);
      lastArg = arg;
      filled = true;
    }
    return lastResult as R;
  };
}
