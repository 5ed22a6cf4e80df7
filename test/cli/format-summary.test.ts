import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { diagnoseCommand } from '../../src/cli/diagnose-command.js';
import { formatTrainSummary } from '../../src/cli/format-summary.js';
import { runTraining } from '../../src/run/index.js';
import { tinyRunConfig } from '../helpers/tiny-run.js';

describe('the end of deepmetric train', () => {
  it("prints the run's verdict line, the one deepmetric diagnose gives the run, and keeps it in summary.json", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-verdict-'));
    const config = await tinyRunConfig(dir, { probeEvery: 5 });
    const summary = await runTraining(config, { progress: null });
    assert.ok(summary.verdict !== null);
    const diagnosed = await diagnoseCommand(summary.runDir, { backend: 'cpu' });
    assert.equal(summary.verdict.verdict, diagnosed.report.verdict);
    assert.deepEqual(
      summary.verdict.causes.map((c) => c.id),
      diagnosed.report.causes.filter((c) => c.confidence >= 0.5).map((c) => c.id),
    );
    const text = formatTrainSummary(summary);
    const line = text.split('\n').find((l) => l.startsWith('health: '));
    assert.ok(line !== undefined, text);
    assert.ok(line.startsWith(`health: ${summary.verdict.verdict}`), line);
    const written = JSON.parse(await readFile(join(summary.runDir, 'summary.json'), 'utf8'));
    assert.deepEqual(written.verdict, summary.verdict);
  });

  it('an unhealthy verdict names its causes and where the evidence is', () => {
    const text = formatTrainSummary({
      runDir: 'runs/x',
      backend: 'cpu',
      steps: 10,
      plannedSteps: 10,
      seconds: 1,
      stopped: null,
      test: null,
      rawTest: null,
      testSize: 0,
      health: null,
      guard: { mode: 'warn', verdict: 'collapsed', recoveries: 0, actions: [] },
      verdict: { verdict: 'collapsed', causes: [{ id: 'mining-too-hard', confidence: 0.9 }] },
    });
    assert.match(
      text,
      /^health: collapsed \(mining-too-hard 0\.90\); evidence and remedies: deepmetric diagnose runs\/x$/m,
    );
  });
});
