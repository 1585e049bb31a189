import { findSoundfontSetup, INSTALL_HINT, measureOnset, renderArgs, rendererFor, renderSoundfontNotes, SoundfontUnavailableError } from '../../adapters/soundfont';
import { CLIP_SAMPLES, PRE_ONSET_SECONDS, SAMPLE_RATE } from '../../shared/constants';
import { autocorrelationPitch, cents, decaySeconds } from '../synth/acoustics';

const ONSET = Math.round(PRE_ONSET_SECONDS * SAMPLE_RATE);

describe('soundfont rendering (fluidsynth + FluidR3_GM)', () => {
  it('renders recorded guitars as 2 s clips with the onset at 0.1 s, at the right pitch; muted decays faster', async () => {
    // Fails (does not skip) without fluidsynth: the message says to run scripts/install-soundfont.sh.
    const setup = findSoundfontSetup();
    const notes = [
      { program: 24, midi: 52, velocity: 100 },
      { program: 25, midi: 64, velocity: 60 },
      { program: 27, midi: 45, velocity: 127 },
      { program: 28, midi: 57, velocity: 100 },
      { program: 28, midi: 45, velocity: 40 },
    ];
    const { clips, report } = await renderSoundfontNotes(notes, { setup, concurrency: 1 });
    expect(clips).toHaveLength(notes.length);
    expect(report.silent).toBe(0);
    for (const ms of report.offsetsMs) {
      expect(ms).toBeGreaterThanOrEqual(-5);
      expect(ms).toBeLessThan(60);
    }
    clips.forEach((clip, k) => {
      expect(clip).toHaveLength(CLIP_SAMPLES);
      let pre = 0, post = 0;
      for (let i = 0; i < ONSET - 20; i++) pre = Math.max(pre, Math.abs(clip[i]));
      for (let i = ONSET; i < ONSET + 2205; i++) post = Math.max(post, Math.abs(clip[i]));
      expect(pre).toBeLessThan(post * 0.05);
      // The onset really is at 0.1 s: re-measuring finds it within a sample or two.
      expect(Math.abs(measureOnset(clip, ONSET - 200, ONSET + 2205)! - ONSET)).toBeLessThanOrEqual(2);
      const f0 = 440 * Math.pow(2, (notes[k].midi - 69) / 12);
      const { hz } = autocorrelationPitch(clip, ONSET + 2205, 4096);
      const err = Math.abs(cents(hz, f0));
      expect(Math.min(err, Math.abs(err - 1200))).toBeLessThan(40);
    });
    const clean = decaySeconds(clips[0], ONSET, 30);
    const muted = decaySeconds(clips[3], ONSET, 30);
    expect(muted).toBeLessThan(clean);
  });

  it('says how to install it when fluidsynth or the soundfont is missing', () => {
    expect(() => findSoundfontSetup({ fluidsynth: '/nonexistent/fluidsynth' })).toThrow(SoundfontUnavailableError);
    expect(() => findSoundfontSetup({ fluidsynth: '/nonexistent/fluidsynth' })).toThrow(/scripts\/install-soundfont\.sh/);
    expect(() => findSoundfontSetup({ soundfont: '/nonexistent.sf2' })).toThrow(INSTALL_HINT);
  });

  it('renders a TiMidity++ configuration of GUS patches (freepats) with timidity, reading only that configuration', () => {
    expect(rendererFor('/etc/timidity/freepats.cfg')).toBe('timidity');
    expect(rendererFor('/usr/share/sounds/sf2/TimGM6mb.sf2')).toBe('fluidsynth');
    expect(rendererFor('/usr/share/sounds/sf3/MuseScore_General_Lite.sf3')).toBe('fluidsynth');
    const args = renderArgs({ renderer: 'timidity', command: 'timidity', soundfont: '/etc/timidity/freepats.cfg' }, 'in.mid', 'out.wav', 0.6);
    // -c is the only configuration (TiMidity++ skips its default, which sources FluidR3, when one is given).
    expect(args.filter((a) => a === '-c')).toHaveLength(1);
    expect(args[args.indexOf('-c') + 1]).toBe('/etc/timidity/freepats.cfg');
    expect(args).toEqual(expect.arrayContaining(['-Ow', '--output-mono', '-EFreverb=d', '-EFchorus=d', '-o', 'out.wav']));
    expect(args[args.indexOf('-s') + 1]).toBe(String(SAMPLE_RATE));
    expect(args[args.length - 1]).toBe('in.mid');
    expect(() => findSoundfontSetup({ soundfont: '/etc/timidity/freepats.cfg', timidity: '/nonexistent/timidity' })).toThrow(/apt-get install timidity/);
  });
});
