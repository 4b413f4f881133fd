// Reads the report's data from the page (see src/report/html/page.ts).
import { PAGE_DATA_ELEMENT_ID } from '../html/page.js';

export function readPageData<T>(): T {
  const element = document.getElementById(PAGE_DATA_ELEMENT_ID);
  if (element === null || element.textContent === null) throw new Error(`the report has no #${PAGE_DATA_ELEMENT_ID} element`);
  return JSON.parse(element.textContent) as T;
}
