import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadConsoleAssets } from './console-assets';

describe('console assets', () => {
  const { pages, vendor } = loadConsoleAssets();

  it('serves the page, its module and its styles from apps/ingest-api/console', () => {
    expect([...pages.keys()].sort()).toEqual(expect.arrayContaining(['app.js', 'index.html', 'style.css']));
    expect(pages.get('index.html')!.type).toBe('text/html; charset=utf-8');
    // No inline script: the Content-Security-Policy allows only same-origin script files.
    expect(pages.get('index.html')!.body.toString()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('serves each library from node_modules, with the hooks module importing Preact by file, not by bare name', () => {
    expect([...vendor.keys()].sort()).toEqual(['diff.js', 'hooks.js', 'htm.js', 'preact.js', 'uplot.css', 'uplot.js']);
    const hooks = vendor.get('hooks.js')!.body.toString();
    expect(hooks).toContain('from"./preact.js"');
    expect(hooks).not.toMatch(/from\s*["']preact["']/);
    expect(vendor.get('preact.js')!.body.toString()).toMatch(/export\s*\{/);
    expect(vendor.get('uplot.css')!.type).toBe('text/css; charset=utf-8');
  });

  it('ignores files of other kinds and fails clearly when the directory is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'notes.txt'), 'not served');
    expect([...loadConsoleAssets(dir).pages.keys()]).toEqual(['index.html']);
    expect(() => loadConsoleAssets(join(dir, 'absent'))).toThrow(/console files not found/);
  });
});
