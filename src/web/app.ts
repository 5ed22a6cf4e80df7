import { EMBEDDING_FORMATS } from '../data/read-embeddings.js';
import { escapeHtml } from '../report/escape-html.js';
import { REPORT_STYLE } from '../report/report-html.js';
import type { DiagnoseReply, DiagnoseRequest, GivenFile, TrainReply, TrainRequest } from './worker-messages.js';

/**
 * deepmetric's page: the diagnosis of dropped embeddings or logs, and a training run, each in a
 * Web Worker running the library; this script only moves files in and results out.
 */

/** The largest file the page reads: the worker holds its bytes and its float32 matrix at once. */
const SIZE_LIMIT = 512 * 1024 * 1024;
/** Files the embeddings of a diagnosis are read from; others are labels or ignored. */
const ROLES = ['embeddings', 'labels', 'reference', 'ignore'] as const;
type Role = (typeof ROLES)[number];

interface Dropped {
  path: string;
  file: File;
  role: Role;
}

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

document.head.insertAdjacentHTML('beforeend', `<style>${REPORT_STYLE}</style>`);
byId('size-limit').textContent = `${SIZE_LIMIT / 1024 / 1024} MB`;
tabs();
diagnoseView();
trainView();

function tabs(): void {
  const pairs = [
    [byId('tab-diagnose'), byId('diagnose-view')],
    [byId('tab-train'), byId('train-view')],
  ] as const;
  for (const [tab] of pairs) {
    tab.addEventListener('click', () => {
      for (const [t, view] of pairs) {
        t.setAttribute('aria-selected', String(t === tab));
        view.hidden = t !== tab;
      }
    });
  }
}

function diagnoseView(): void {
  const worker = new Worker(new URL('./diagnose-worker.js', import.meta.url), { type: 'module' });
  const status = byId('diagnose-status');
  const run = byId<HTMLButtonElement>('run-diagnose');
  let dropped: Dropped[] = [];
  let folder: string | null = null;

  const take = (files: Array<{ path: string; file: File }>) => {
    const top = new Set(files.map((f) => f.path.split('/')[2]));
    folder = files.some((f) => f.path.split('/').length > 3) && top.size === 1 ? `/input/${[...top][0]}` : null;
    dropped = files.map((f) => ({ ...f, role: folder === null ? guessRole(f.file.name) : 'ignore' }));
    showRoles(dropped, folder);
    run.disabled = dropped.length === 0;
    if (dropped.length > 0) void diagnose();
  };
  byId<HTMLInputElement>('files').addEventListener('change', (e) => {
    take(Array.from((e.target as HTMLInputElement).files ?? []).map((file) => ({ path: `/input/${file.name}`, file })));
  });
  byId<HTMLInputElement>('folder').addEventListener('change', (e) => {
    take(
      Array.from((e.target as HTMLInputElement).files ?? []).map((file) => ({
        path: `/input/${file.webkitRelativePath}`,
        file,
      })),
    );
  });
  const drop = byId('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const entries = Array.from(e.dataTransfer?.items ?? [])
      .map((item) => item.webkitGetAsEntry())
      .filter((x) => x !== null);
    void Promise.all(entries.map((entry) => readEntry(entry, '/input'))).then((lists) => take(lists.flat()));
  });
  byId('roles').addEventListener('change', (e) => {
    const select = e.target as HTMLSelectElement;
    dropped[Number(select.dataset.index)].role = select.value as Role;
  });
  run.addEventListener('click', () => void diagnose());

  async function diagnose(): Promise<void> {
    const big = dropped.find((d) => d.file.size > SIZE_LIMIT);
    const embeddings = dropped.filter((d) => d.role === 'embeddings');
    const one = (role: Role) => dropped.find((d) => d.role === role)?.path;
    if (big !== undefined)
      return fail(
        `${big.file.name}: ${big.file.size} bytes, more than this page's limit of ${SIZE_LIMIT} bytes (use the CLI: npx deepmetric diagnose)`,
      );
    if (folder === null && embeddings.length !== 1)
      return fail('Choose one file to read as embeddings (the "read as" column).');
    const input = folder ?? embeddings[0].path;
    const request: DiagnoseRequest = {
      files: await Promise.all(
        dropped
          .filter((d) => folder !== null || d.role !== 'ignore')
          .map(async (d): Promise<GivenFile> => ({ path: d.path, bytes: await d.file.arrayBuffer() })),
      ),
      input,
      flags: { ...flags(), labels: one('labels'), reference: one('reference') },
    };
    status.className = 'status';
    status.textContent = `Diagnosing ${input.replace('/input/', '')} ...`;
    run.disabled = true;
    const reply = await new Promise<DiagnoseReply>((resolve) => {
      worker.onmessage = (event: MessageEvent<DiagnoseReply>) => resolve(event.data);
      worker.postMessage(
        request,
        request.files.map((f) => f.bytes),
      );
    });
    run.disabled = false;
    if (!reply.ok) return fail(reply.message);
    status.textContent = '';
    showDiagnosis(reply);
  }

  function fail(message: string): void {
    status.className = 'status error';
    status.textContent = message;
    byId('diagnosis').hidden = true;
  }
}

/** The flags of the options form that are set, as DiagnoseFlags. */
function flags(): DiagnoseRequest['flags'] {
  const text = (id: string) => {
    const v = byId<HTMLInputElement>(id).value.trim();
    return v === '' ? undefined : v;
  };
  const margin = text('opt-margin');
  const checked = (id: string) => (byId<HTMLInputElement>(id).checked ? true : undefined);
  return {
    key: text('opt-key'),
    labelsKey: text('opt-labels-key'),
    labelColumn: text('opt-label-column'),
    embeddingTag: text('opt-embedding-tag'),
    run: text('opt-run'),
    margin: margin === undefined ? undefined : parseFloat(margin),
    csvHeader: checked('opt-csv-header'),
    raw: checked('opt-raw'),
  };
}

/** A file's likely part in a diagnosis, from its name: the user can change it. */
function guessRole(name: string): Role {
  const lower = name.toLowerCase();
  if (/label|target|class|metadata/.test(lower) || lower.endsWith('.txt')) return 'labels';
  if (/(^|[^a-z])(ref|reference|start|init|initial|before|epoch0)([^a-z]|$)/.test(lower)) return 'reference';
  return EMBEDDING_FORMATS.some((f) => lower.endsWith(f)) ? 'embeddings' : 'ignore';
}

function showRoles(dropped: Dropped[], folder: string | null): void {
  const table = byId<HTMLTableElement>('roles');
  const body = table.tBodies[0];
  body.replaceChildren();
  table.hidden = dropped.length === 0;
  if (folder !== null) {
    const row = body.insertRow();
    row.insertCell().textContent = `${folder.replace('/input/', '')}/ (${dropped.length} files)`;
    row.insertCell().textContent = kb(dropped.reduce((s, d) => s + d.file.size, 0));
    row.insertCell().textContent = 'a log or run folder';
    return;
  }
  dropped.forEach((d, index) => {
    const row = body.insertRow();
    row.insertCell().textContent = d.path.replace('/input/', '');
    row.insertCell().textContent = kb(d.file.size);
    const select = document.createElement('select');
    select.dataset.index = String(index);
    for (const role of ROLES) select.add(new Option(role, role, false, role === d.role));
    row.insertCell().append(select);
  });
}

function kb(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function showDiagnosis(reply: Extract<DiagnoseReply, { ok: true }>): void {
  byId('diagnosis').hidden = false;
  const verdict = byId('verdict');
  verdict.innerHTML = reply.sections.verdict;
  verdict.dataset.verdict = reply.verdict;
  byId('distances').innerHTML = reply.sections.distances;
  byId('map').innerHTML = reply.sections.map;
  byId('diagnosis-json').textContent = reply.json;
  byId('diagnosis-text').textContent = reply.text;
  link('download-json', reply.json, 'application/json');
  const report = byId<HTMLAnchorElement>('download-report');
  report.hidden = reply.reportHtml === '';
  if (reply.reportHtml !== '') link('download-report', reply.reportHtml, 'text/html');
}

/** Points a download link at `content`, freeing the one it pointed at. */
function link(id: string, content: BlobPart, type: string): void {
  const a = byId<HTMLAnchorElement>(id);
  if (a.href.startsWith('blob:')) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(new Blob([content], { type }));
}

/** The files of a dropped file or folder, at their paths below `dir`. */
async function readEntry(entry: FileSystemEntry, dir: string): Promise<Array<{ path: string; file: File }>> {
  const path = `${dir}/${entry.name}`;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    return [{ path, file }];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries returns the entries in batches, then an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  return (await Promise.all(children.map((c) => readEntry(c, path)))).flat();
}

function trainView(): void {
  let worker: Worker | null = null;
  const status = byId('train-status');
  const start = byId<HTMLButtonElement>('train-start');
  const stop = byId<HTMLButtonElement>('train-stop');
  byId<HTMLFormElement>('train-form').addEventListener('submit', (e) => {
    e.preventDefault();
    worker?.terminate();
    worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
    const request: TrainRequest = {
      miner: byId<HTMLSelectElement>('train-miner').value,
      guard: byId<HTMLSelectElement>('train-guard').value,
      steps: Number(byId<HTMLInputElement>('train-steps').value),
      seed: Number(byId<HTMLInputElement>('train-seed').value),
    };
    start.disabled = true;
    stop.disabled = false;
    byId('train-result').hidden = true;
    status.className = 'status';
    status.textContent = 'Loading the sample and starting the wasm backend ...';
    worker.onmessage = (event: MessageEvent<TrainReply>) => {
      const reply = event.data;
      if (reply.kind === 'step') {
        const { record } = reply;
        status.textContent = `step ${record.step} of ${request.steps}: loss ${record.loss.toFixed(4)}, ${Math.round(reply.imagesPerSecond)} images/s${record.guard ? `; guard: ${record.guard.verdict}${record.guard.action === undefined ? '' : `, ${record.guard.action}`}` : ''}`;
        if (reply.charts !== null) {
          byId('training-chart').innerHTML = reply.charts.training;
          byId('health-chart').innerHTML = reply.charts.health;
        }
        return;
      }
      start.disabled = false;
      stop.disabled = true;
      if (reply.kind === 'error') {
        status.className = 'status error';
        status.textContent = reply.message;
        return;
      }
      const summary = JSON.parse(reply.summaryJson) as {
        steps: number;
        test: { precisionAt1: number } | null;
        rawTest: { precisionAt1: number } | null;
        guard: { actions: Array<{ step: number; verdict: string; action: string }> };
      };
      status.textContent = `Trained ${summary.steps} steps${summary.test === null ? '' : `: test precision@1 ${summary.test.precisionAt1.toFixed(3)} (raw pixels ${summary.rawTest?.precisionAt1.toFixed(3)})`}.`;
      const verdict = byId('train-verdict');
      verdict.dataset.verdict = reply.verdict;
      const events = summary.guard.actions.map(
        (a) => `<li>guard at step ${a.step}: ${escapeHtml(a.verdict)}, ${escapeHtml(a.action)}</li>`,
      );
      verdict.innerHTML = `<div class="verdict ${reply.verdict}"><div class="label">${reply.verdict}</div><p>The run's verdict, as <code>deepmetric diagnose</code> gives it for the run folder.</p>${events.length === 0 ? '' : `<ul class="events">${events.join('')}</ul>`}</div>`;
      byId('train-result').hidden = false;
      const weights = Object.keys(reply.model).find((name) => name !== 'model.json');
      link('download-model-json', reply.model['model.json'], 'application/json');
      if (weights !== undefined) {
        byId<HTMLAnchorElement>('download-model-weights').download = weights;
        link('download-model-weights', reply.model[weights], 'application/octet-stream');
      }
      link('download-train-report', reply.reportHtml, 'text/html');
      link('download-train-log', reply.logJsonl, 'application/x-ndjson');
    };
    worker.postMessage(request);
  });
  stop.addEventListener('click', () => worker?.postMessage('stop'));
}
