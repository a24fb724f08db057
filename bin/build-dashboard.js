#!/usr/bin/env node
import { cp, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
// Builds dashboard/ into dist/dashboard with esbuild (bundled TypeScript, uPlot's CSS, static assets).
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/dashboard`;
await mkdir(outdir, { recursive: true });
await build({
  entryPoints: [`${root}dashboard/src/main.ts`],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  outdir,
  loader: { '.css': 'css' },
  logLevel: 'warning',
});
await cp(`${root}dashboard/public`, outdir, { recursive: true });
console.log(`dashboard built into ${outdir}`);
