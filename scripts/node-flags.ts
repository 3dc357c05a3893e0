// Node/V8 flags for the API process, shared by `npm start` (scripts/start.mjs) and bench/verify,
// so that what is measured is what runs.
//
// KEYPLANE_API_SEMI_SPACE_MB sets V8's young-generation semi-space (--max-semi-space-size, MB) for
// the API; 0, the default, leaves V8's own choice. History (bench/RESULTS.md): while every key
// verification created two native HMAC objects, V8's default young generation (grown to 64 MB)
// meant scavenges of 2–4 ms spent in the weak callbacks of thousands of dead HMAC contexts, so
// the API ran with 2 MB (pauses ~0.4 ms, every ~20 ms). Since hashSecret uses one-shot hashes,
// there are no such objects; A/B of 2026-11-23 under the same load: V8's default young generation
// spent 67 ms in scavenges (58, avg 1.2 ms) and one mark-compact, against 923 ms (1,496, avg
// 0.6 ms) and four mark-compacts with 2 MB, and 12 % less CPU per request. The knob stays for
// deployments that want to trade throughput for shorter pauses.
const semiSpace = Number(process.env.KEYPLANE_API_SEMI_SPACE_MB ?? 0);
if (!Number.isInteger(semiSpace) || semiSpace < 0 || semiSpace > 1024) {
  throw new Error(`KEYPLANE_API_SEMI_SPACE_MB must be a whole number of megabytes from 0 to 1024, not ${process.env.KEYPLANE_API_SEMI_SPACE_MB}`);
}

/** Flags for `node` before the API entry point (src/main.ts). */
export const API_NODE_FLAGS: string[] = semiSpace ? [`--max-semi-space-size=${semiSpace}`] : [];
