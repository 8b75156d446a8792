export type MessageCodecErrorCode =
  /** the envelope's version is not MESSAGE_VERSION: never guess at a layout we do not know */
  | 'UNSUPPORTED_VERSION'
  /** a kind other than the one asked for, or a kind with no body type yet */
  | 'UNEXPECTED_KIND'
  /** bytes that SegmentMessages.sol would refuse to decode, or would never have written */
  | 'MALFORMED'
  /** a value that does not fit its Solidity field, refused before any bytes are written */
  | 'INVALID_FIELD';

export class MessageCodecError extends Error {
  override name = 'MessageCodecError';
  constructor(
    readonly code: MessageCodecErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
