/** Where the local bus's readable lines go, each stamped with the clock's time. */
export type BusLog = (line: string) => void;

/** A log that prefixes each line with `HH:MM:SS.mmm` (local time) of `clock`. */
export function timestampedLog(log: (line: string) => void, clock: () => Date): BusLog {
  return (line) => log(`${clockTime(clock())} ${line}`);
}

/** `HH:MM:SS.mmm` in local time. */
function clockTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}
