/**
 * The example commands `buzzfinder serve` (= `npm start`) prints when the stack is up. Every line must run as
 * written from the repo folder of a fresh clone (test/cli/readme-commands.test.ts runs them): they use the shared
 * real clips beside the checkout, or files an earlier line makes, and write only into git-ignored folders.
 */
import * as path from 'node:path';

/** The real clips, relative to the repo folder (../shared/reference beside the checkout, as the tests read them). */
export const REAL_CLIPS = '../shared/reference/real-clips';

/** `dir` relative to the current folder when it lies inside it (shorter to type), else absolute. */
function shown(dir: string, cwd: string): string {
  const rel = path.relative(cwd, dir);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : dir;
}

/**
 * "Try:" lines: each command indented by two spaces, comments after two spaces and '#'.
 * `datasetsDir` is the datasets bucket's folder (null when it is not a local folder: no import line then).
 */
export function stackTryLines(stack: { url: string; datasetsDir: string | null }, cwd = process.cwd()): string[] {
  const lines = [
    'Try (in another terminal, from the repo folder):',
    `  curl -s -H 'Content-Type: audio/wav' --data-binary @${REAL_CLIPS}/gu_clean4.wav ${stack.url}`,
    `  curl -s -F clip=@${REAL_CLIPS}/gu_buzzy4.wav -F clip=@${REAL_CLIPS}/gu_muted2.wav ${stack.url}`,
    '  npx buzzfinder synth-take --out examples-out/take.wav --truth examples-out/truth.json --seconds 30 --seed 1',
    '  npx buzzfinder upload examples-out/take.wav --wait',
  ];
  if (stack.datasetsDir !== null) {
    lines.push(
      `  npx buzzfinder dataset import ${REAL_CLIPS} --out ${path.join(shown(stack.datasetsDir, cwd), 'mine')} --force`,
      // The job is gated against what the stack serves: say that it may not be promoted.
      '  npx buzzfinder retrain --dataset mine --epochs 2 --wait   # served only if at least as accurate',
    );
  }
  lines.push('Ctrl-C here (or kill <pid of npm start>) stops it.');
  return lines;
}
