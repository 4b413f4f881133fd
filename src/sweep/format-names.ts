// The sweep report's format names, apart from the formatters: the command line lists them in --help
// without loading the table and colour libraries.
export type SweepFormat = 'table' | 'csv' | 'json' | 'markdown';
export const SWEEP_FORMATS: readonly SweepFormat[] = ['table', 'csv', 'json', 'markdown'];
