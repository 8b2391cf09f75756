export * from './decode';
export * from './messages';
export * from './topics';
export * from './proto-path';
