// kysely 0.29 exports its Migrator only from the "kysely/migration" subpath (package.json `exports`).
// This project's tsconfig uses moduleResolution "node", which ignores `exports`, so TypeScript is
// pointed at the very declarations Node loads at runtime for that subpath.
declare module 'kysely/migration' {
  export * from 'kysely/dist/migration/index.js';
}
