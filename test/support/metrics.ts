/**
 * Reading a /metrics page as Prometheus would, with a text-format parser (prom2javascript), so
 * tests assert on samples rather than on lines matched by hand.
 */
import { Readable } from 'node:stream';
import { getMetricsFromStream, type PromData, type PromHistogramData, type PromMetrics } from 'prom2javascript';

export interface Scrape {
  readonly families: PromMetrics;
  /** A counter's or gauge's value for exactly these labels; undefined when there is no such sample. */
  value(name: string, labels?: Readonly<Record<string, string>>): number | undefined;
  /** A histogram's series for exactly these labels. */
  histogram(name: string, labels?: Readonly<Record<string, string>>): PromHistogramData | undefined;
  /** Every sample of a counter or gauge, as [labels, value]. */
  samples(name: string): [Record<string, string>, number][];
}

const sameLabels = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([key, value]) => b[key] === value);

export async function parseMetrics(text: string): Promise<Scrape> {
  const families = await getMetricsFromStream(Readable.from([text]));
  const data = (name: string, type: string): unknown[] => {
    const family = families[name];
    if (family === undefined) return [];
    if (family.type !== type) throw new Error(`${name} is a ${family.type}, not a ${type}`);
    return family.data;
  };
  const simple = (name: string): PromData[] => {
    const type = families[name]?.type;
    return (type === 'counter' || type === 'gauge' ? data(name, type) : []) as PromData[];
  };
  return {
    families,
    value: (name, labels = {}) => simple(name).find((sample) => sameLabels(sample.labels, labels))?.value,
    histogram: (name, labels = {}) => (data(name, 'histogram') as PromHistogramData[]).find((series) => sameLabels(series.labels, labels)),
    samples: (name) => simple(name).map((sample) => [sample.labels, sample.value]),
  };
}
