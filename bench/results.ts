import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Writes a benchmark's section into bench/RESULTS.md: the text between its
 * `<!-- bench:<name>:start -->` and `<!-- bench:<name>:end -->` markers is replaced (the section
 * is appended the first time). `section` carries both markers.
 */
export function recordSection(name: string, section: string): void {
  const file = new URL('./RESULTS.md', import.meta.url);
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const re = new RegExp(`<!-- bench:${name}:start -->[\\s\\S]*?<!-- bench:${name}:end -->`);
  writeFileSync(file, re.test(current) ? current.replace(re, section) : `${current.trimEnd()}\n\n${section}\n`);
}
