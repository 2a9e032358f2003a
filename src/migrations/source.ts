// libpg-query reports positions as UTF-8 byte offsets; findings speak in lines and characters.
export interface Position {
  line: number;
  column: number;
}

export class SourceText {
  readonly bytes: Buffer;
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
    for (let i = 0; i < this.bytes.length; i++) if (this.bytes[i] === 0x0a) this.lineStarts.push(i + 1);
  }

  /** 1-based line and character column of a byte offset. */
  positionOfByte(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.bytes.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= clamped) low = mid;
      else high = mid - 1;
    }
    const start = this.lineStarts[low]!;
    return { line: low + 1, column: this.bytes.subarray(start, clamped).toString('utf8').length + 1 };
  }

  /** 1-based line and column of a character index (the parser's error cursor counts characters). */
  positionOfChar(index: number): Position {
    return this.positionOfByte(Buffer.byteLength(this.text.slice(0, Math.max(0, index)), 'utf8'));
  }

  /** The text between two byte offsets. */
  slice(start: number, end?: number): string {
    return this.bytes.subarray(start, end).toString('utf8');
  }
}
