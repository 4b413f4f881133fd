// The page script of a sweep's HTML report: draws the sweep charts from the data the report embeds.
import { readPageData } from './data.js';

interface SweepPageData {
  title: string;
}

const data = readPageData<SweepPageData>();
const heading = document.createElement('h1');
heading.textContent = data.title;
document.body.append(heading);
