import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { diagnoseCommand, diagnoseJson, formatDiagnoseResult } from '../cli/diagnose-command.js';
import { buildEmbeddingsReport, escapeHtml, reportHtml, verdictHtml } from '../report/index.js';
import { MemoryFileSystem } from './memory-file-system.js';
import { mountServedFiles } from './mount-served-files.js';
import { provideBrowserModules } from './provide-browser-modules.js';
import type { DiagnoseReply, DiagnoseRequest } from './worker-messages.js';

/**
 * The page's diagnosis, in a Web Worker: the given files are mounted in memory and diagnosed by
 * the CLI's own `diagnoseCommand`, so the page's JSON is `deepmetric diagnose --json`'s. Nothing
 * is sent anywhere: the worker fetches only the app's own files.
 */
const scope = self as unknown as {
  location: Location;
  onmessage: ((event: MessageEvent<DiagnoseRequest>) => void) | null;
  postMessage(message: DiagnoseReply): void;
};
const base = new URL('./', scope.location.href);
const files = new MemoryFileSystem();
provideBrowserModules(files);
setWasmPaths(base.href);
const kernels = mountServedFiles(files, base, (path) => path.startsWith('build/'));

scope.onmessage = (event) => {
  diagnoseFiles(event.data).then(
    (reply) => scope.postMessage(reply),
    (error: unknown) =>
      scope.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) }),
  );
};

async function diagnoseFiles(request: DiagnoseRequest): Promise<DiagnoseReply> {
  await kernels;
  for (const path of files.list('/input')) await files.promises.rm(path);
  for (const file of request.files) files.write(file.path, new Uint8Array(file.bytes));
  const result = await diagnoseCommand(request.input, { ...request.flags, backend: 'auto' });
  const name = request.input.replace(/^\/input\//, '');
  // The files sit at /input/ in the worker: the page names them as the user does.
  const description = result.description.replace(/^diagnose: /, '').replaceAll('/input/', '');
  const page =
    result.shown === null
      ? null
      : await buildEmbeddingsReport({ name, description, report: result.report, ...result.shown });
  const section = (id: 'distances' | 'map') => {
    const body = page?.sections[id];
    return body === undefined ? '' : 'html' in body ? body.html : `<p class="absent">${escapeHtml(body.absent)}</p>`;
  };
  return {
    ok: true,
    json: diagnoseJson(result),
    text: formatDiagnoseResult(result),
    verdict: result.report.verdict,
    sections: {
      verdict: verdictHtml(result.report, description),
      distances: section('distances'),
      map: section('map'),
    },
    reportHtml: page === null ? '' : reportHtml(page),
  };
}
