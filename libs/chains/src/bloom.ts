import { hexToBytes, keccak256, type Hex } from 'viem';

/**
 * Whether a block's (or receipt's) 2048-bit `logsBloom` may hold a log from this address or with
 * this topic. `false` is certain: no such log is there, and the block's logs need not be read.
 * `true` may be a false positive. Each value sets three bits, from the first three pairs of bytes
 * of its keccak256, each taken mod 2048 (Ethereum's yellow paper, M3:2048).
 */
export function bloomMayContain(bloom: Hex, value: Hex): boolean {
  const bits = hexToBytes(bloom);
  if (bits.length !== 256) throw new Error(`a logs bloom is 256 bytes, not ${bits.length}`);
  const hash = hexToBytes(keccak256(value));
  for (let i = 0; i < 6; i += 2) {
    const bit = (((hash[i] ?? 0) << 8) | (hash[i + 1] ?? 0)) & 2047;
    if (((bits[255 - (bit >> 3)] ?? 0) & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}
