/**
 * Train / validation / test splits by group, never by clip: every clip of a synthetic instrument, a soundfont
 * program or a user's recording lands in the same split, so evaluation measures generalisation to guitars,
 * microphones and rooms the model has not heard. Pure and deterministic by seed.
 */
import type { ToneClass } from '../constants';
import { Rng } from '../rng';
import { SPLITS, type ClipSource, type Split } from './types';

export interface GroupSummary {
  group: string;
  source: ClipSource;
  /** Classes present among the group's clips. */
  labels: readonly ToneClass[];
}

export type SplitFractions = Record<Split, number>;
export const DEFAULT_SPLIT_FRACTIONS: SplitFractions = { train: 0.7, validation: 0.15, test: 0.15 };

function stringSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Summarises clips into groups (labels present per group), sorted by group name. */
export function summarizeGroups(clips: readonly { group: string; source: ClipSource; label: ToneClass }[]): GroupSummary[] {
  const byGroup = new Map<string, { source: ClipSource; labels: Set<ToneClass> }>();
  for (const c of clips) {
    const g = byGroup.get(c.group);
    if (!g) byGroup.set(c.group, { source: c.source, labels: new Set([c.label]) });
    else {
      if (g.source !== c.source) throw new TypeError(`summarizeGroups: group '${c.group}' mixes sources ${g.source} and ${c.source}`);
      g.labels.add(c.label);
    }
  }
  return [...byGroup.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([group, g]) => ({ group, source: g.source, labels: [...g.labels].sort() }));
}

/**
 * Assigns each group to a split, per source: ~70/15/15 of the source's groups, and — where the source has enough
 * groups — validation and test each get at least one group of every class the source has, while train keeps one too.
 * A source with one group goes to train; with two, one to train and one to test.
 */
export function assignSplits(groups: readonly GroupSummary[], options: { seed: number; fractions?: SplitFractions }): Map<string, Split> {
  const fractions = options.fractions ?? DEFAULT_SPLIT_FRACTIONS;
  for (const s of SPLITS) {
    if (!(fractions[s] >= 0)) throw new TypeError(`assignSplits: fraction for ${s} must be >= 0`);
  }
  const names = new Set<string>();
  for (const g of groups) {
    if (names.has(g.group)) throw new TypeError(`assignSplits: duplicate group '${g.group}'`);
    names.add(g.group);
  }
  const result = new Map<string, Split>();
  const sources = [...new Set(groups.map((g) => g.source))].sort();
  for (const source of sources) {
    const mine = groups.filter((g) => g.source === source).sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    new Rng((options.seed ^ stringSeed(source)) >>> 0).shuffle(mine);
    const total = mine.length;
    const sum = fractions.train + fractions.validation + fractions.test || 1;
    const quota: Record<'validation' | 'test', number> = {
      test: total >= 2 && fractions.test > 0 ? Math.max(1, Math.round((total * fractions.test) / sum)) : 0,
      validation: total >= 3 && fractions.validation > 0 ? Math.max(1, Math.round((total * fractions.validation) / sum)) : 0,
    };
    const unassigned = new Set(mine);
    const classes = [...new Set(mine.flatMap((g) => g.labels))].sort();
    const count = { validation: 0, test: 0 };
    const has = { validation: new Set<ToneClass>(), test: new Set<ToneClass>() };
    // Would train still see every class if `g` left the pool?
    const trainKeepsAll = (g: GroupSummary) =>
      classes.every((c) => [...unassigned].some((o) => o !== g && o.labels.includes(c)));
    const take = (g: GroupSummary, split: 'validation' | 'test') => {
      unassigned.delete(g);
      result.set(g.group, split);
      count[split]++;
      for (const l of g.labels) has[split].add(l);
    };
    // 1) class coverage of the held-out splits (test first: it matters most).
    for (const split of ['test', 'validation'] as const) {
      if (quota[split] === 0) continue;
      for (const c of classes) {
        if (has[split].has(c)) continue;
        const g = [...unassigned].find((o) => o.labels.includes(c) && trainKeepsAll(o));
        if (g) take(g, split);
      }
    }
    // 2) fill up to the quotas.
    for (const split of ['test', 'validation'] as const) {
      while (count[split] < quota[split]) {
        const g = [...unassigned].find((o) => trainKeepsAll(o));
        if (!g) break;
        take(g, split);
      }
    }
    for (const g of unassigned) result.set(g.group, 'train');
  }
  return result;
}

/** What leakedGroups reads of a manifest: its seed and each clip's group, source and split. */
export interface SplitDataset {
  seed?: number;
  clips: readonly { group: string; source: ClipSource; split: Split }[];
}

/**
 * Groups that `extra` trains on but `base` holds out (validation or test): adding `extra`'s train split to a
 * training run on `base` would leak held-out audio. Soundfont and recorded groups are named by what they hold (a
 * program and register, a folder or file); synthetic groups only by their index, which names the same instrument
 * only when both datasets come from the same seed, so they are compared then.
 */
export function leakedGroups(base: SplitDataset, extra: SplitDataset): string[] {
  const sameSeed = base.seed !== undefined && base.seed === extra.seed;
  const heldOut = new Set(base.clips.filter((c) => c.split !== 'train' && (c.source !== 'synth' || sameSeed)).map((c) => c.group));
  return [...new Set(extra.clips.filter((c) => c.split === 'train' && heldOut.has(c.group)).map((c) => c.group))].sort();
}
