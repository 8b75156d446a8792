export * from './layerzero/index.js';
