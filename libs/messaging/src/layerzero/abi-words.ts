import type { Address, Hex } from 'viem';

/** Data that is not a valid encoding of what it was read as. */
export class AbiWordsError extends Error {}

/**
 * Reads ABI-encoded data (a log's data) as 32-byte words, for the few events a relayer reads for
 * every packet, with the checks a strict decoder makes: every offset and length inside the data,
 * addresses and bytes padded with zeros. A read that fails throws `AbiWordsError`.
 */
export class AbiWords {
  /** The data without its `0x`, two hex digits a byte. */
  private readonly hex: string;
  private readonly words: number;

  constructor(data: Hex) {
    if (!/^0x([0-9a-fA-F]{64})*$/.test(data)) throw new AbiWordsError('not whole 32-byte words of hex');
    this.hex = data.slice(2).toLowerCase();
    this.words = this.hex.length / 64;
  }

  private word(index: number): string {
    if (!Number.isInteger(index) || index < 0 || index >= this.words) throw new AbiWordsError(`no word ${index}`);
    return this.hex.slice(index * 64, index * 64 + 64);
  }

  uint(index: number): bigint {
    return BigInt(`0x${this.word(index)}`);
  }

  /** A word that must hold a small number (an offset or a length). */
  private count(index: number): number {
    const value = this.uint(index);
    if (value > BigInt(this.hex.length)) throw new AbiWordsError(`word ${index} is out of range`);
    return Number(value);
  }

  /** An address: twelve zero bytes, then twenty bytes. */
  address(index: number): Address {
    const word = this.word(index);
    if (!word.startsWith('000000000000000000000000')) throw new AbiWordsError(`word ${index} is not an address`);
    return `0x${word.slice(24)}`;
  }

  /** The word index a dynamic value's offset (at `head`) points to. */
  private tail(head: number): number {
    const offset = this.count(head);
    if (offset % 32 !== 0) throw new AbiWordsError(`offset at word ${head} is not word-aligned`);
    return offset / 32;
  }

  /** `bytes` whose offset is at word `head`: its length, then its bytes padded with zeros to whole words. */
  bytesAt(head: number): Hex {
    const at = this.tail(head);
    const length = this.count(at);
    const start = (at + 1) * 64;
    const end = start + length * 2;
    const padded = start + Math.ceil(length / 32) * 64;
    if (padded > this.hex.length) throw new AbiWordsError(`bytes at word ${at} run past the data`);
    if (!/^0*$/.test(this.hex.slice(end, padded))) throw new AbiWordsError(`bytes at word ${at} are not zero-padded`);
    return `0x${this.hex.slice(start, end)}`;
  }

  /** A dynamic array whose offset is at word `head`: its length, then one word per element. */
  arrayAt<T>(head: number, element: (index: number) => T): T[] {
    const at = this.tail(head);
    const length = this.count(at);
    return Array.from({ length }, (_, i) => element(at + 1 + i));
  }
}
