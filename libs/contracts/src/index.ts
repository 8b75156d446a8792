export * from './generated/index.js';
export { allErrorsAbi, describeRevertData, type AbiError } from './errors.js';
