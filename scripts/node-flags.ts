// Node/V8 flags for the API process, shared by `npm start` (scripts/start.mjs) and bench/verify,
// so that what is measured is what runs.
//
// --max-semi-space-size bounds V8's young generation. Left alone, V8 grows it to 64 MB during
// start-up (when most objects survive) and keeps it: a scavenge then comes every few hundred
// milliseconds under load and pauses the event loop 2–4 ms, most of it running the weak-handle
// callbacks of the ~5,000 native objects (HMAC contexts) that died meanwhile. At 80 % of peak a
// queue built in a 3 ms pause takes ~12 ms to drain, and that is the p99. With a 2 MB semi-space
// the pauses are ~0.4 ms, every ~20 ms (trace of 2026-11-23 in bench/RESULTS.md).
// KEYPLANE_API_SEMI_SPACE_MB overrides the size (MB); 0 leaves V8's default.
const semiSpace = Number(process.env.KEYPLANE_API_SEMI_SPACE_MB ?? 2);
if (!Number.isInteger(semiSpace) || semiSpace < 0 || semiSpace > 1024) {
  throw new Error(`KEYPLANE_API_SEMI_SPACE_MB must be a whole number of megabytes from 0 to 1024, not ${process.env.KEYPLANE_API_SEMI_SPACE_MB}`);
}

/** Flags for `node` before the API entry point (src/main.ts). */
export const API_NODE_FLAGS: string[] = semiSpace ? [`--max-semi-space-size=${semiSpace}`] : [];
