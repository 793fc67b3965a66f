import { defineConfig, type Plugin } from 'vitest/config';

/** Import a `.pvk` file as its source text (mirrors esbuild's `loader: { '.pvk': 'text' }`). */
function pvkText(): Plugin {
  return {
    name: 'pvk-text',
    enforce: 'pre',
    transform(code: string, id: string) {
      if (!id.endsWith('.pvk')) return null;
      return { code: `export default ${JSON.stringify(code)};`, map: null };
    },
  };
}

export default defineConfig({
  plugins: [pvkText()],
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/lsp/**/*.test.ts',
      'test/dap/**/*.test.ts',
      'test/cli/**/*.test.ts',
      'test/fuzz/**/*.test.ts',
    ],
    pool: 'forks',
    testTimeout: 60000,
  },
});
