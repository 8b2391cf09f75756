export * from './decode';
export * from './messages';
export * from './topics';
export * from './proto-path';
export * from './reason-codes';
