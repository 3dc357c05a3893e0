// The console's JavaScript budget: what a first visit downloads (the entry chunk, its static
// imports and its CSS), gzip-compressed, must stay under 300 kB. Run after `vite build`.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

export const BUDGET_BYTES = 300 * 1024;

type Chunk = { file: string; isEntry?: boolean; imports?: string[]; css?: string[] };
export type SizeReport = { files: { file: string; bytes: number; gzip: number }[]; jsGzip: number; totalGzip: number };

/** Gzip sizes of everything the entry loads up front (dynamic imports excluded: they load later). */
export function firstLoadSize(distDir: string): SizeReport {
  const manifest = JSON.parse(readFileSync(join(distDir, '.vite', 'manifest.json'), 'utf8')) as Record<string, Chunk>;
  const seen = new Set<string>();
  const files: string[] = [];
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const c = manifest[key]!;
    files.push(c.file, ...(c.css ?? []));
    for (const i of c.imports ?? []) visit(i);
  };
  for (const [key, c] of Object.entries(manifest)) if (c.isEntry) visit(key);
  const measured = [...new Set(files)].map((file) => {
    const body = readFileSync(join(distDir, file));
    return { file, bytes: body.length, gzip: gzipSync(body, { level: 9 }).length };
  });
  const jsGzip = measured.filter((f) => f.file.endsWith('.js')).reduce((n, f) => n + f.gzip, 0);
  return { files: measured, jsGzip, totalGzip: measured.reduce((n, f) => n + f.gzip, 0) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = resolve(process.argv[2] ?? 'console/dist');
  const r = firstLoadSize(dir);
  for (const f of r.files) console.log(`${f.file.padEnd(40)} ${(f.bytes / 1024).toFixed(1).padStart(8)} kB  gzip ${(f.gzip / 1024).toFixed(1).padStart(7)} kB`);
  console.log(
    `first load: ${(r.jsGzip / 1024).toFixed(1)} kB of JavaScript gzip (${(r.totalGzip / 1024).toFixed(1)} kB with CSS); budget ${BUDGET_BYTES / 1024} kB`,
  );
  if (r.jsGzip > BUDGET_BYTES) {
    console.error('over the console JavaScript budget');
    process.exit(1);
  }
}
