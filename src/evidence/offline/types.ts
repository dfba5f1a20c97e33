import type { Fact, Source } from '../facts.js';

/**
 * One file handed to the recognisers. `text` is the whole file as UTF-8. `docs` is set when
 * the text parsed as JSON or YAML: one entry per YAML document (JSON gives one), each with
 * the 1-based line it starts on.
 */
export interface FileInput {
  readonly path: string;
  readonly text: string;
  readonly docs?: ReadonlyArray<{ readonly value: unknown; readonly line: number }>;
}

/**
 * A recogniser claims a file by its content, never its name, and returns its facts, or
 * `null` when the file is not its format. It throws `InputError` (facts.ts) when the file is
 * clearly its format but broken (a position is given when known). It never throws anything
 * else: fuzz tests hold it to that.
 */
export type Recogniser = {
  /** Human name of the format, shown in `--verbose` and in "unrecognised" messages. */
  readonly format: string;
  /** `structured`: only looks at `docs`; `text`: looks at `text`. */
  readonly reads: 'structured' | 'text';
  recognise(input: FileInput, source: Source): Fact[] | null;
};
