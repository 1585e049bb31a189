import { runInProcess } from '../helpers/run-cli';
import { HelpRequested, parseCommandArgs, UsageError } from '../../cli/args';


describe('command line', () => {
  it('answers --help / -h of every command with its own usage on stdout, exit 0, even next to bad options', async () => {
    for (const argv of [['synth-take', '--help'], ['synth-take', '-h'], ['synth-take', '--bogus', '--help']]) {
      const r = await runInProcess(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: buzzfinder synth-take/);
      expect(r.stderr).toBe('');
    }
    expect((await runInProcess(['dataset', 'import', '--help'])).stdout).toMatch(/^Usage: buzzfinder dataset import/);
  });

  it('reports usage mistakes on stderr with exit 2', async () => {
    const bogus = await runInProcess(['synth-take', '--bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/^buzzfinder synth-take: .*--bogus/);
    expect(bogus.stdout).toBe('');
    const missing = await runInProcess(['synth-take', '--truth', 't.json']);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toMatch(/--out <take.wav> is required/);
    const unknown = await runInProcess(['no-such-command']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'no-such-command'/);
  });

  it('parseCommandArgs: strict options, help as an exception carrying the text', () => {
    expect(parseCommandArgs(['--n', '3', 'a.wav'], { n: { type: 'string' } }, 'H').values.n).toBe('3');
    expect(() => parseCommandArgs(['-h'], {}, 'the help')).toThrow(HelpRequested);
    expect(() => parseCommandArgs(['x'], {}, 'H', false)).toThrow(UsageError);
  });
});
