import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium, which `.ci/run` installs with apt. */
export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a headless, offline, quiet chromium (no sandbox: CI runs as root in a container). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A page opened in a fresh chromium, with every error it produced. */
export interface OpenedPage {
  page: Page;
  /** Console errors, uncaught page errors, and requests to anything but the file itself. */
  errors: string[];
  /** Closes the browser and removes its profile. */
  close: () => Promise<void>;
}

/**
 * Opens a local HTML file, or a page served on this machine (an http:// address), in a new
 * headless chromium with an empty profile (a temporary user-data-dir), recording console errors,
 * uncaught page errors and every request other than the file itself (for a served page: outside
 * its origin): a self-contained page makes none.
 */
export async function openInChromium(path: string, viewport = { width: 1200, height: 900 }): Promise<OpenedPage> {
  const served = /^https?:\/\//.test(path);
  const profile = await mkdtemp(join(tmpdir(), 'dm-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport,
      // A served page needs its own server; what it asks of any other is recorded below.
      offline: !served,
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  const close = async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  };
  try {
    const url = served ? path : pathToFileURL(resolve(path)).href;
    const own = (request: string) => (served ? new URL(request).origin === new URL(url).origin : request === url);
    const errors: string[] = [];
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    page.on('request', (request) => {
      const address = request.url();
      if (!own(address) && !address.startsWith('data:') && !address.startsWith('blob:'))
        errors.push(`request: ${address}`);
    });
    page.on('requestfailed', (request) => errors.push(`failed request: ${request.url()}`));
    await page.goto(url, { waitUntil: 'load' });
    return { page, errors, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** What the browser shows of one chart of a report. */
export interface RenderedChart {
  name: string;
  /** Laid-out size of the SVG in CSS pixels. */
  width: number;
  height: number;
  /** Axis groups (vega's `role-axis`) and drawn mark items (paths, rects, circles, lines of `role-mark` groups). */
  axes: number;
  marks: number;
}

/** Every `figure.chart` of the page, with the size, axes and marks of its SVG as rendered. */
export async function renderedCharts(page: Page): Promise<RenderedChart[]> {
  return page.$$eval('figure.chart', (figures) =>
    figures.map((figure) => {
      const svg = figure.querySelector('svg');
      const box = svg?.getBoundingClientRect();
      const drawn = svg
        ? Array.from(svg.querySelectorAll('.role-mark path, .role-mark rect, .role-mark circle, .role-mark line'))
        : [];
      return {
        name: figure.getAttribute('data-chart') ?? '',
        width: box?.width ?? 0,
        height: box?.height ?? 0,
        axes: svg ? svg.querySelectorAll('.role-axis').length : 0,
        marks: drawn.filter((el) => {
          const b = (el as SVGGraphicsElement).getBBox();
          return b.width > 0 || b.height > 0;
        }).length,
      };
    }),
  );
}
