// The page script of a run's HTML report: draws the panels from the data the report embeds.
import uPlot from 'uplot';
import { readPageData } from './data.js';

interface RunPageData {
  title: string;
  series: { label: string; timesMs: number[]; values: number[] }[];
}

const data = readPageData<RunPageData>();
const heading = document.createElement('h1');
heading.textContent = data.title;
document.body.append(heading);
for (const series of data.series) {
  const panel = document.createElement('section');
  document.body.append(panel);
  new uPlot(
    { title: series.label, width: 900, height: 200, scales: { x: { time: false } }, series: [{ label: 's' }, { label: series.label, stroke: '#1f77b4' }] },
    [series.timesMs.map((ms) => ms / 1000), series.values],
    panel,
  );
}
