/**
 * Splits a stream of byte chunks into lines (without their `\n`, and without
 * a trailing `\r`; blank lines are skipped), however the chunks cut them.
 *
 * Each chunk is decoded once, up to its last newline; only a partial line at
 * the end of a chunk is kept, as bytes (so a multi-byte UTF-8 character cut
 * in two is decoded whole), and joined with the rest of its line when the
 * newline arrives. No string is built up piece by piece.
 */
export class LineSplitter {
    /** @param {(line: string) => void} onLine called with every complete line, in order */
    constructor(onLine: (line: string) => void);
    /**
     * Feed the next chunk.
     * @param {Buffer} chunk
     */
    push(chunk: Buffer): void;
    /** Bytes of an unfinished last line (no newline yet), as text. */
    get rest(): string;
    #private;
}
