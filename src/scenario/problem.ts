// Where a problem in a user's input is and what to tell them: the types every loader and command reports with.

/** A place in a scenario or sweep file, 1-based. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** A problem with the input: where (or null for a flag or a whole file) and what to tell the user. */
export interface InputProblem {
  position: SourcePosition | null;
  message: string;
  /** The source line and a caret under the column, when known. */
  excerpt?: string;
}
