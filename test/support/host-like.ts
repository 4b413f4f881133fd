// The host interface the simulator drives lives in src/sim; tests import it from here.
export * from '../../src/sim/host-impl.js';
