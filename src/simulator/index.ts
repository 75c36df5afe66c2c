/** VCO simulator: a real HTTP server speaking VCO API v1 (see vco-api.md), for the demo, tests and benches. */
export { startSimulator, defaultUsers, DEFAULT_ENTERPRISES, DEFAULT_OPERATOR_TOKEN, DEFAULT_PARTNER_TOKEN, DEFAULT_PASSWORD, DEFAULT_TOKEN } from './server.js';
export { seedDemo, type SeedDemoOptions } from './demo.js';
export { CATALOGUE } from './catalogue.js';
export type { GenerateOptions, SimEnterprise, SimFault, SimStats, SimUser, Simulator, SimulatorOptions } from './types.js';
