/**
 * The take page's static files: a fixed table of names -> files (wavesurfer.js and its regions plugin from
 * node_modules, the page's own script and style from web/). Nothing else is ever read: a request names an
 * entry of this table, never a path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

// web/ beside the sources (tsx) or two levels up from a compiled dist/<folder>/.
const WEB_DIR = [path.resolve(__dirname, '..', 'web'), path.resolve(__dirname, '..', '..', 'web')].find((d) => fs.existsSync(path.join(d, 'take-page.js'))) ?? path.resolve(__dirname, '..', 'web');
// The package's exports map has no entry for its UMD builds: find its dist folder from the main entry.
const wavesurferDist = () => path.dirname(require.resolve('wavesurfer.js'));

export const PAGE_ASSETS: Record<string, { file: () => string; type: string }> = {
  'wavesurfer.min.js': { file: () => path.join(wavesurferDist(), 'wavesurfer.min.js'), type: 'text/javascript; charset=utf-8' },
  'regions.min.js': { file: () => path.join(wavesurferDist(), 'plugins', 'regions.min.js'), type: 'text/javascript; charset=utf-8' },
  'take-page.js': { file: () => path.join(WEB_DIR, 'take-page.js'), type: 'text/javascript; charset=utf-8' },
  'take-page.css': { file: () => path.join(WEB_DIR, 'take-page.css'), type: 'text/css; charset=utf-8' },
};

/** Script order matters: wavesurfer, then its plugin, then the page. */
export const PAGE_SCRIPTS = ['wavesurfer.min.js', 'regions.min.js', 'take-page.js'];
export const PAGE_STYLES = ['take-page.css'];

const cache = new Map<string, string>();

/** The asset's text, or null for a name not in the table. */
export function readPageAsset(name: string): { text: string; type: string } | null {
  if (!Object.prototype.hasOwnProperty.call(PAGE_ASSETS, name)) return null;
  const entry = PAGE_ASSETS[name];
  let text = cache.get(name);
  if (text === undefined) {
    text = fs.readFileSync(entry.file(), 'utf8');
    cache.set(name, text);
  }
  return { text, type: entry.type };
}

/** Everything inlined: for the self-contained page of `buzzfinder report --html`. */
export function inlinePageAssets(): { kind: 'inline'; scripts: string[]; styles: string[] } {
  return { kind: 'inline', scripts: PAGE_SCRIPTS.map((n) => readPageAsset(n)!.text), styles: PAGE_STYLES.map((n) => readPageAsset(n)!.text) };
}
