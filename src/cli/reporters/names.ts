// The reporters' names, apart from the reporters themselves: the command line lists them in --help
// without loading the reporters (and their table and colour libraries).

/** A reporter's name as the user types it. */
export type ReporterName = 'pretty' | 'json' | 'junit' | 'github';

/** Every reporter name, in the order `--help` lists them (for yargs `choices`). */
export const REPORTER_NAMES = ['pretty', 'json', 'junit', 'github'] as const satisfies readonly ReporterName[];

/** The reporters that print each seed's trace hash: `run` computes the hashes only for these (or for --trace, --html). */
export const REPORTERS_SHOWING_TRACE_HASHES: readonly ReporterName[] = ['json', 'junit'];
