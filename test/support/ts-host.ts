// The TypeScript core behind the HostLike interface lives in src/sim; tests import it from here.
export * from '../../src/sim/ts-host.js';
