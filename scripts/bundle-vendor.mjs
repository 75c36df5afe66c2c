/**
 * Build step after tsc: writes dist/src/vendor/<name>.js as a one-file bundle of src/vendor/<name>.ts (a
 * re-export of got or yargs) and everything it imports. Node loads ES modules one file at a time, and these
 * two libraries pull in about 120 small modules: bundled, `vco-siem run` starts about 100 ms sooner, which a
 * cron job pays on every run. Only third-party code is bundled; our own modules stay as tsc emits them.
 * Bundling from the source (not from tsc's output) keeps the step repeatable with incremental tsc.
 */
import { readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const sourceDir = fileURLToPath(new URL('../src/vendor/', import.meta.url));

/**
 * string-width (yargs' help layout) creates an Intl.Segmenter when it is loaded; the first one loads ICU data,
 * about 20 ms, on every start, although only --help measures text. The bundle creates it on first use instead.
 * A version written differently is bundled as it is.
 */
const lazySegmenter = {
  name: 'lazy-segmenter',
  setup(build) {
    build.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const eager = 'const segmenter = new Intl.Segmenter();';
      if (!source.includes(eager)) return undefined;
      const lazy = source.replace(eager, 'let segmenter;').replaceAll('segmenter.segment(', '(segmenter ??= new Intl.Segmenter()).segment(');
      return { contents: lazy, loader: 'js' };
    });
  },
};

/**
 * got reaches http2-wrapper only when a request asks for HTTP/2, which the VCO client never does (it speaks
 * HTTP/1.1), but importing it costs every start about 50 ms: it builds a TLS socket at load time. The bundle
 * gets a stand-in that fails loudly if HTTP/2 is ever asked for.
 */
const withoutHttp2 = {
  name: 'without-http2',
  setup(build) {
    build.onResolve({ filter: /^http2-wrapper$/ }, () => ({ path: 'http2-wrapper', namespace: 'without-http2' }));
    build.onLoad({ filter: /.*/, namespace: 'without-http2' }, () => ({
      contents: "export default new Proxy({}, { get() { throw new Error('HTTP/2 is not part of this build: the VCO client speaks HTTP/1.1'); } });",
      loader: 'js',
    }));
  },
};
const outDir = fileURLToPath(new URL('../dist/src/vendor/', import.meta.url));

for (const source of readdirSync(sourceDir).filter((name) => name.endsWith('.ts'))) {
  const outfile = `${outDir}${source.replace(/\.ts$/, '.js')}`;
  await build({
    entryPoints: [`${sourceDir}${source}`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Bundled CommonJS code calls require() for Node's own modules, which an ES module does not have.
    banner: { js: "import { createRequire as vendorRequire } from 'node:module'; const require = vendorRequire(import.meta.url);" },
    plugins: [withoutHttp2, lazySegmenter],
    legalComments: 'eof',
    logLevel: 'warning',
  });
  rmSync(`${outfile}.map`, { force: true }); // tsc's map describes the re-export, not the bundle
}
