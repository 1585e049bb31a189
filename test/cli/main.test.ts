import { main } from '../../cli/main';
import { HelpRequested, parseCommandArgs, UsageError } from '../../cli/args';

/** Runs main() with stdout/stderr captured. */
async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('command line', () => {
  it('answers --help / -h of every command with its own usage on stdout, exit 0, even next to bad options', async () => {
    for (const argv of [['synth-take', '--help'], ['synth-take', '-h'], ['synth-take', '--bogus', '--help']]) {
      const r = await runCli(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: buzzfinder synth-take/);
      expect(r.stderr).toBe('');
    }
    expect((await runCli(['dataset', 'import', '--help'])).stdout).toMatch(/^Usage: buzzfinder dataset import/);
  });

  it('reports usage mistakes on stderr with exit 2', async () => {
    const bogus = await runCli(['synth-take', '--bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/^buzzfinder synth-take: .*--bogus/);
    expect(bogus.stdout).toBe('');
    const missing = await runCli(['synth-take', '--truth', 't.json']);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toMatch(/--out <take.wav> is required/);
    const unknown = await runCli(['no-such-command']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'no-such-command'/);
  });

  it('parseCommandArgs: strict options, help as an exception carrying the text', () => {
    expect(parseCommandArgs(['--n', '3', 'a.wav'], { n: { type: 'string' } }, 'H').values.n).toBe('3');
    expect(() => parseCommandArgs(['-h'], {}, 'the help')).toThrow(HelpRequested);
    expect(() => parseCommandArgs(['x'], {}, 'H', false)).toThrow(UsageError);
  });
});
