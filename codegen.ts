import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents from schema.graphql: for the tests (test/gql) and, as they arrive, each client
 * (the Zapier app, the console) gets its own generated folder from its own documents.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: true,
  emitLegacyCommonJSImports: false,
  generates: {
    // The Zapier app sends printed operation strings (documentMode string): no graphql runtime in its bundle.
    'connectors/zapier/src/gql/': {
      documents: ['connectors/zapier/src/**/*.ts', '!connectors/zapier/src/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        onlyOperationTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
    // The console, likewise: operations as strings, typed end to end, fetched with plain fetch().
    'console/src/gql/': {
      documents: ['console/src/**/*.{ts,tsx}', '!console/src/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        onlyOperationTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
    // The host SDK (sdk/, published on its own): operations as strings, imports ending in .ts (its
    // tsc build rewrites them to .js), no graphql runtime.
    'sdk/src/gql/': {
      documents: ['sdk/src/**/*.ts', '!sdk/src/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        onlyOperationTypes: true,
        importExtension: '.ts',
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
    'test/gql/': {
      documents: ['test/**/*.ts', 'connectors/zapier/test/**/*.ts', '!test/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: 'string', JSON: 'unknown' } },
    },
  },
};
export default config;
