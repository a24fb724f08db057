import { GattDecodeError } from './gatt-errors.ts';

/** Little-endian cursor over a characteristic value; every read names its field for the error. */
export class ByteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }

  uint8(field: string): number {
    return this.view.getUint8(this.take(1, field));
  }

  uint16(field: string): number {
    return this.view.getUint16(this.take(2, field), true);
  }

  int16(field: string): number {
    return this.view.getInt16(this.take(2, field), true);
  }

  uint24(field: string): number {
    const at = this.take(3, field);
    return this.view.getUint16(at, true) + (this.view.getUint8(at + 2) << 16);
  }

  uint32(field: string): number {
    return this.view.getUint32(this.take(4, field), true);
  }

  /** Two 12-bit values packed in three bytes (Cycling Power extreme angles). */
  uint12Pair(field: string): [number, number] {
    const at = this.take(3, field);
    const packed = this.view.getUint16(at, true) + (this.view.getUint8(at + 2) << 16);
    return [packed & 0xfff, packed >> 12];
  }

  /** Fails when bytes are left that the flags did not announce. */
  expectEnd(what: string): void {
    if (this.remaining !== 0)
      throw new GattDecodeError('SC_ERR_GATT_LENGTH', `${what}: ${this.remaining} unexpected byte(s) after the fields its flags announce`);
  }

  private take(size: number, field: string): number {
    if (this.remaining < size) {
      throw new GattDecodeError(
        'SC_ERR_GATT_TRUNCATED',
        `${field}: needs ${size} byte(s) at offset ${this.offset}, ${this.remaining} left`,
      );
    }
    const at = this.offset;
    this.offset += size;
    return at;
  }
}

/** The encoders' counterpart: appends little-endian fields. */
export class ByteWriter {
  private readonly bytes: number[] = [];

  uint8(value: number): this {
    this.bytes.push(value & 0xff);
    return this;
  }

  uint16(value: number): this {
    return this.uint8(value).uint8(value >> 8);
  }

  int16(value: number): this {
    return this.uint16(value & 0xffff);
  }

  uint24(value: number): this {
    return this.uint16(value & 0xffff).uint8(value >>> 16);
  }

  uint32(value: number): this {
    return this.uint16(value & 0xffff).uint16(value >>> 16);
  }

  uint12Pair(first: number, second: number): this {
    return this.uint24((first & 0xfff) | ((second & 0xfff) << 12));
  }

  toBytes(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export const hasFlag = (flags: number, bit: number): boolean => (flags & (1 << bit)) !== 0;
