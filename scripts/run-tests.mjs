// Runs every *.test.ts under src/ and test/ with node's test runner (Node 20 has no glob in --test).
//
// Two lanes, one after the other. A file whose first lines hold the marker below asserts nothing
// finer than another test file running beside it can disturb (logic, formats, exit codes and
// messages), so those files run two at a time. Every other file measures time on the wall clock
// and runs alone, on an otherwise idle machine, as it always has.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const SHARED_LANE_MARKER = '// test-lane: shared';

function findTests(dir) {
  let found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found = found.concat(findTests(path));
    else if (entry.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

/** The marker counts only in the file's header (its first 10 lines), where a reader sees it. */
function sharesTheMachine(file) {
  return readFileSync(file, 'utf8').split('\n', 10).some((line) => line.trim() === SHARED_LANE_MARKER);
}

const roots = process.argv.length > 2 ? process.argv.slice(2) : ['src', 'test'];
const files = roots.flatMap((root) => (statSync(root).isDirectory() ? findTests(root) : [root])).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const shared = files.filter(sharesTheMachine);
const alone = files.filter((file) => !shared.includes(file));

function run(lane, concurrency) {
  if (lane.length === 0) return 0;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...lane], { stdio: 'inherit' });
  return result.status ?? 1;
}

const sharedStatus = run(shared, 2);
const aloneStatus = run(alone, 1);
process.exit(sharedStatus !== 0 ? sharedStatus : aloneStatus);
