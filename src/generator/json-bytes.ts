/**
 * An event's JSON written byte by byte into a reused buffer: no object, no string, no UTF-8
 * encoding per event. Strings are encoded once (`JsonBytes.encode`); numbers are written as
 * JSON.stringify writes them, which the generator's tests check event by event.
 */
export class JsonBytes {
  readonly buffer: Buffer;
  length = 0;

  constructor(capacity = 64 * 1024) {
    this.buffer = Buffer.allocUnsafeSlow(capacity);
  }

  /** `value` as JSON (a string with its quotes and escapes, a key with its colon…), as UTF-8 bytes. */
  static encode(value: unknown): Buffer {
    return Buffer.from(JSON.stringify(value));
  }

  /** A constant piece of JSON, such as `,"quantity":`. */
  static raw(text: string): Buffer {
    return Buffer.from(text);
  }

  reset(): void {
    this.length = 0;
  }

  bytes(bytes: Uint8Array): void {
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** A string's UTF-8 bytes as they are (already JSON). */
  text(json: string): void {
    const written = this.buffer.write(json, this.length);
    // write() stops silently where the buffer ends; an event cut short must not be sent. Short of
    // the last 4 bytes (one character's most) it wrote everything: no second pass to count.
    if (this.length + written > this.buffer.length - 4 && written !== Buffer.byteLength(json)) throw new RangeError(`an event of ${Buffer.byteLength(json)} bytes does not fit the generator's ${this.buffer.length}-byte buffer`);
    this.length += written;
  }

  /**
   * The same as `text`, faster for short ASCII (a number, a UUID, a time): copied code by code,
   * without the cost of a native call; anything else goes through `text`.
   */
  short(json: string): void {
    const n = json.length;
    const buffer = this.buffer;
    const at = this.length;
    if (n > 64 || at + n > buffer.length) return this.text(json);
    for (let i = 0; i < n; i++) {
      const code = json.charCodeAt(i);
      if (code > 127) return this.text(json);
      buffer[at + i] = code;
    }
    this.length = at + n;
  }

  /** A non-negative integer below 2⁵³. */
  uint(value: number): void {
    const buffer = this.buffer;
    if (value < 10) {
      buffer[this.length++] = 48 + value;
      return;
    }
    let digits = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) digits += 1;
    let at = this.length + digits;
    this.length = at;
    for (let v = value; at > this.length - digits; v = Math.floor(v / 10)) buffer[--at] = 48 + (v % 10);
  }

  /** `hundredths / 100` as a JSON number: 1234 → 12.34, 1230 → 12.3, 1200 → 12 (0 ≤ hundredths < 10¹⁵, where a double holds every hundredth). */
  hundredths(hundredths: number): void {
    const whole = Math.floor(hundredths / 100);
    const fraction = hundredths - whole * 100;
    this.uint(whole);
    if (fraction === 0) return;
    const buffer = this.buffer;
    buffer[this.length++] = 46; // .
    buffer[this.length++] = 48 + Math.floor(fraction / 10);
    if (fraction % 10 !== 0) buffer[this.length++] = 48 + (fraction % 10);
  }

  /** The low `digits` hex digits of `word` (32 bits), lowercase. */
  hex(word: number, digits: number): void {
    const buffer = this.buffer;
    let at = this.length + digits;
    this.length = at;
    for (let i = 0; i < digits; i++, word >>>= 4) buffer[--at] = HEX[word & 0xf]!;
  }

  /** A byte as it is (an ASCII character code). */
  char(code: number): void {
    this.buffer[this.length++] = code;
  }
}

const HEX = Buffer.from('0123456789abcdef');
