/**
 * `p`, or a rejection with `message` once `ms` have passed, whichever comes first. The slow
 * promise keeps running (ioredis replays a command on reconnect, for instance); its own later
 * rejection is absorbed, never unhandled.
 */
export async function withinOrFail<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  p.catch(() => {});
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
