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
export {
  deliveryBatchGas,
  DeliveryOutcome,
  ExecutionState,
  PACKET_OUTCOME_TOPIC,
  packetOutcomes,
  toDelivery,
  type Delivery,
} from './delivery.js';
export {
  decodeSendLog,
  DVN_FEE_PAID_TOPIC,
  EXECUTOR_FEE_PAID_TOPIC,
  PACKET_SENT_TOPIC,
  SEND_LOG_TOPICS,
  type SendLog,
} from './send-logs.js';
