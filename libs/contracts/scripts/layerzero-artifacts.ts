/**
 * LayerZero v2 contracts we deploy as they ship on npm (LZBL-1.2: depended on, never copied).
 * The devnet deploys exactly these bytecodes; production uses LayerZero's deployed endpoints.
 */
const PROTOCOL = '@layerzerolabs/lz-evm-protocol-v2/artifacts/contracts';
const MESSAGELIB = '@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts';

export const LAYERZERO_ARTIFACTS = [
  { name: 'EndpointV2', path: `${PROTOCOL}/EndpointV2.sol/EndpointV2.json` },
  { name: 'EndpointV2View', path: `${PROTOCOL}/EndpointV2View.sol/EndpointV2View.json` },
  { name: 'SendUln302', path: `${MESSAGELIB}/uln/uln302/SendUln302.sol/SendUln302.json` },
  { name: 'ReceiveUln302', path: `${MESSAGELIB}/uln/uln302/ReceiveUln302.sol/ReceiveUln302.json` },
  { name: 'ReceiveUln302View', path: `${MESSAGELIB}/uln/uln302/ReceiveUln302View.sol/ReceiveUln302View.json` },
  { name: 'DVN', path: `${MESSAGELIB}/uln/dvn/DVN.sol/DVN.json` },
  { name: 'DVNFeeLib', path: `${MESSAGELIB}/uln/dvn/DVNFeeLib.sol/DVNFeeLib.json` },
  { name: 'Executor', path: `${MESSAGELIB}/Executor.sol/Executor.json` },
  { name: 'ExecutorFeeLib', path: `${MESSAGELIB}/ExecutorFeeLib.sol/ExecutorFeeLib.json` },
  { name: 'LzExecutor', path: `${MESSAGELIB}/uln/LzExecutor.sol/LzExecutor.json` },
  { name: 'PriceFeed', path: `${MESSAGELIB}/PriceFeed.sol/PriceFeed.json` },
  { name: 'Treasury', path: `${MESSAGELIB}/Treasury.sol/Treasury.json` },
] as const;
