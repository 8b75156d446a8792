import { Options } from '@layerzerolabs/lz-v2-utilities';
import type { Hex } from 'viem';

/** Type-3 options asking the executor to call lzReceive with `gas` (and `value` wei). */
export function lzReceiveOptions(gas: bigint, value = 0n): Hex {
  return Options.newOptions().addExecutorLzReceiveOption(gas, value).toHex() as Hex; // toHex returns a 0x string
}

/** The total lzReceive gas and value requested by a packet's executor options. */
export function decodeLzReceiveOption(options: Hex): { gas: bigint; value: bigint } {
  const decoded = Options.fromOptions(options).decodeExecutorLzReceiveOption();
  if (!decoded) throw new Error('options carry no executor lzReceive option');
  return { gas: BigInt(decoded.gas.toString()), value: BigInt(decoded.value.toString()) };
}
