// esbuild bundles imported CSS into main.css; TypeScript only needs to know the imports exist.
declare module '*.css';
