export { addressToBytes32, bytes32ToAddress, decodePacket, packetOrigin, type LzPacket } from './packet.js';
export { decodeLzReceiveOption, lzReceiveOptions } from './options.js';
export {
  dvnCallDataHash,
  dvnSigner,
  encodeVerifyCall,
  signVerify,
  type DvnExecuteParam,
  type DvnSigner,
  type VerifyRequest,
} from './dvn.js';
export { deliveryBatchGas, DeliveryOutcome, ExecutionState, toDelivery, type Delivery } from './delivery.js';
