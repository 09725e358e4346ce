// Splitting a byte stream into lines, for ndjson.

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
  /** @type {(line: string) => void} */
  #onLine;
  /** @type {Buffer[]} bytes of the unfinished line */
  #parts = [];
  #size = 0;

  /** @param {(line: string) => void} onLine called with every complete line, in order */
  constructor(onLine) {
    this.#onLine = onLine;
  }

  /**
   * Feed the next chunk.
   * @param {Buffer} chunk
   */
  push(chunk) {
    const last = chunk.lastIndexOf(10);
    if (last === -1) {
      if (chunk.length > 0) {
        this.#parts.push(chunk);
        this.#size += chunk.length;
      }
      return;
    }
    let text;
    if (this.#size === 0) {
      text = chunk.toString('utf8', 0, last);
    } else {
      this.#parts.push(chunk.subarray(0, last));
      text = Buffer.concat(this.#parts, this.#size + last).toString('utf8');
      this.#parts = [];
      this.#size = 0;
    }
    if (last + 1 < chunk.length) {
      this.#parts.push(chunk.subarray(last + 1));
      this.#size = chunk.length - last - 1;
    }
    const onLine = this.#onLine;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      const end = nl === -1 ? text.length : nl;
      if (end > start) {
        // A trailing \r is dropped; a line of only "\r" is blank.
        if (text.charCodeAt(end - 1) === 13) {
          if (end - 1 > start) onLine(text.slice(start, end - 1));
        } else {
          onLine(start === 0 && end === text.length ? text : text.slice(start, end));
        }
      }
      if (nl === -1) return;
      start = nl + 1;
    }
  }

  /** Bytes of an unfinished last line (no newline yet), as text. */
  get rest() {
    return Buffer.concat(this.#parts, this.#size).toString('utf8');
  }
}
